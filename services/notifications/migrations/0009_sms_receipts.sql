-- SMS delivery receipts (Alibaba Cloud SmsReport) find their delivery by the provider's
-- BizId kept at send, or by the OutId sent with every attempt: the first 32 hex digits of
-- sha256 of the idempotency key "campusflow-<delivery_id>" (channels/sms.py out_id_for).
CREATE INDEX deliveries_sms_biz_id ON deliveries (provider_message_id)
    WHERE channel = 'sms' AND provider_message_id IS NOT NULL;
CREATE INDEX deliveries_sms_out_id ON deliveries (
    (left(encode(sha256(('campusflow-' || delivery_id::text)::bytea), 'hex'), 32)))
    WHERE channel = 'sms';
