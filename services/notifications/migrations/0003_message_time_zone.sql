-- The recipient's time zone when the message was made: a delivery worded later by the
-- dispatcher (or a held message released) shows its times as the inbox notice did.
ALTER TABLE messages ADD COLUMN time_zone text NOT NULL DEFAULT 'Asia/Shanghai';

-- The unread count of a person's inbox.
CREATE INDEX notices_unread ON notices (college, recipient_id) WHERE read_at IS NULL;
