// Roomcast embeddable player: <script src="https://YOUR-ROOMCAST-WEB/player.js" defer></script>
// then <roomcast-player room="ROOM_ID" name="Ada"></roomcast-player> anywhere in the page.
// The element renders the room's /embed page (video, unmute, live state) in a sandboxed,
// responsive 16:9 frame served by the same origin as this script. Attributes: room (required),
// name (the guest's display name in public rooms), aspect (e.g. "4/3", default "16/9").
(() => {
  const script = document.currentScript;
  const origin = script && script.src ? new URL(script.src).origin : location.origin;

  class RoomcastPlayer extends HTMLElement {
    static observedAttributes = ['room', 'name', 'aspect'];

    connectedCallback() {
      this.render();
    }

    attributeChangedCallback() {
      if (this.isConnected) this.render();
    }

    render() {
      const room = this.getAttribute('room');
      if (!room || !/^[0-9a-f-]{36}$/i.test(room)) {
        this.replaceChildren();
        return;
      }
      const url = new URL(`/embed/${encodeURIComponent(room)}`, origin);
      const name = this.getAttribute('name');
      if (name) url.searchParams.set('name', name);
      let frame = this.querySelector('iframe');
      if (!frame) {
        frame = document.createElement('iframe');
        frame.title = 'Roomcast live room';
        frame.allow = 'autoplay; fullscreen; picture-in-picture';
        frame.setAttribute('allowfullscreen', '');
        frame.style.cssText = 'display:block;width:100%;height:100%;border:0;background:#000';
        this.replaceChildren(frame);
      }
      this.style.display = 'block';
      this.style.aspectRatio = this.getAttribute('aspect') || '16/9';
      if (frame.src !== url.href) frame.src = url.href;
    }
  }

  if (!customElements.get('roomcast-player')) customElements.define('roomcast-player', RoomcastPlayer);
})();
