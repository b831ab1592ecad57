-- RTMP ingest: the typed code of the encoder's last error (unsupported_video_codec, b_frames, ...) beside its message.
ALTER TABLE "ingest_keys" ADD COLUMN "last_error_code" text;