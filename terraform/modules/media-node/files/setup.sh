#!/usr/bin/env bash
# First-boot setup of a Roomcast media node (cloud-init runcmd, as root, once): Node.js 24 from
# nodejs.org (checked against SHASUMS256.txt), the Roomcast release (checked against its
# SHA-256), the host's public address for ICE candidates and coturn, the network rules, then the
# media node and coturn as systemd services. Inputs: /etc/roomcast/setup.env (main.tf).
set -euo pipefail

# shellcheck source=/dev/null
. /etc/roomcast/setup.env
: "${NODE_VERSION:?}" "${RELEASE_URL:?}" "${RELEASE_SHA256:?}" "${TURN_TLS:?}" "${TURN_RELAY_MIN_PORT:?}" "${TURN_RELAY_MAX_PORT:?}"

log() { printf 'roomcast-setup: %s\n' "$*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {
  curl --fail --silent --show-error --location --retry 5 --retry-delay 3 --output "$2" "$1"
}

# ── Node.js 24 ──────────────────────────────────────────────────────────────────
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) log "unsupported machine $(uname -m)"; exit 1 ;;
esac
tarball="node-v${NODE_VERSION}-linux-${arch}.tar.xz"
log "installing Node.js ${NODE_VERSION} (${arch})"
fetch "https://nodejs.org/dist/v${NODE_VERSION}/${tarball}" "$work/${tarball}"
fetch "https://nodejs.org/dist/v${NODE_VERSION}/SHASUMS256.txt" "$work/SHASUMS256.txt"
(cd "$work" && grep -E "  ${tarball}\$" SHASUMS256.txt | sha256sum --check --strict -)
tar -xJf "$work/${tarball}" -C /usr/local --strip-components=1 --no-same-owner
node --version

# ── The Roomcast release ───────────────────────────────────────────────────────
id roomcast >/dev/null 2>&1 || useradd --system --home-dir /opt/roomcast --shell /usr/sbin/nologin roomcast
release_dir="/opt/roomcast/releases/${RELEASE_SHA256:0:16}"
log "installing the release ${RELEASE_SHA256:0:16} into ${release_dir}"
fetch "$RELEASE_URL" "$work/release.tar.gz"
echo "${RELEASE_SHA256}  $work/release.tar.gz" | sha256sum --check --strict -
mkdir -p "$release_dir"
tar -xzf "$work/release.tar.gz" -C "$release_dir" --no-same-owner
chown -R roomcast:roomcast /opt/roomcast
(cd "$release_dir" && runuser -u roomcast -- env HOME=/opt/roomcast npm ci --no-audit --no-fund --workspace media-node --include-workspace-root)
ln -sfn "$release_dir" /opt/roomcast/current

# ── The host's public address (ICE candidates, coturn's relay address) ───────
ipv4=$(curl --fail --silent --show-error --retry 5 http://169.254.169.254/hetzner/v1/metadata/public-ipv4)
if [[ ! "$ipv4" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  log "no public IPv4 from the metadata service: '${ipv4}'"
  exit 1
fi
echo "MEDIA_ANNOUNCED_ADDRESS=${ipv4}" >>/etc/roomcast/media-node.env

# ── coturn ─────────────────────────────────────────────────────────────────────
{
  echo "external-ip=${ipv4}"
  if [ "$TURN_TLS" = 1 ]; then
    install -o root -g turnserver -m 0640 /etc/roomcast/turn-cert.pem /etc/turnserver-cert.pem
    install -o root -g turnserver -m 0640 /etc/roomcast/turn-key.pem /etc/turnserver-key.pem
    echo "cert=/etc/turnserver-cert.pem"
    echo "pkey=/etc/turnserver-key.pem"
  else
    echo "no-tls"
    echo "no-dtls"
  fi
} >>/etc/turnserver.conf
chown root:turnserver /etc/turnserver.conf
chmod 0640 /etc/turnserver.conf
rm -f /etc/roomcast/turn-cert.pem /etc/roomcast/turn-key.pem

# ── Network rules, on every boot ───────────────────────────────────────────────
# TURN over TLS on 443 as well (networks that allow nothing else); and the metadata service
# (whose user data holds the node's credential) closed to every user but root.
cat >/usr/local/sbin/roomcast-net <<'RULES'
#!/usr/bin/env bash
set -euo pipefail
iptables -t nat -C PREROUTING -p tcp --dport 443 -j REDIRECT --to-ports 5349 2>/dev/null ||
  iptables -t nat -A PREROUTING -p tcp --dport 443 -j REDIRECT --to-ports 5349
iptables -C OUTPUT -d 169.254.169.254 -m owner ! --uid-owner 0 -j REJECT 2>/dev/null ||
  iptables -A OUTPUT -d 169.254.169.254 -m owner ! --uid-owner 0 -j REJECT
RULES
chmod 0755 /usr/local/sbin/roomcast-net
cat >/etc/systemd/system/roomcast-net.service <<'UNIT'
[Unit]
Description=Roomcast media node network rules
Before=coturn.service roomcast-media.service
After=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=true
ExecStart=/usr/local/sbin/roomcast-net

[Install]
WantedBy=multi-user.target
UNIT

# ── Services ──────────────────────────────────────────────────────────────────
# UDP buffers for media bursts.
cat >/etc/sysctl.d/60-roomcast.conf <<'SYSCTL'
net.core.rmem_max=26214400
net.core.wmem_max=26214400
net.core.rmem_default=1048576
net.core.wmem_default=1048576
SYSCTL
sysctl --system >/dev/null
systemctl daemon-reload
systemctl enable --now roomcast-net.service
systemctl enable coturn.service
systemctl restart coturn.service
systemctl enable --now roomcast-media.service
log "done: relay range ${TURN_RELAY_MIN_PORT}-${TURN_RELAY_MAX_PORT}, address ${ipv4}"
