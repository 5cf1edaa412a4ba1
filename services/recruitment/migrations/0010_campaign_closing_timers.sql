-- Campaigns opened before the durable timer existed close by it too.
INSERT INTO due_actions (kind, key, due_at, payload)
SELECT 'campaign.close', college || '/' || id, closes_at,
       jsonb_build_object('college', college, 'campaign_id', id)
FROM campaigns WHERE status = 'open'
ON CONFLICT (kind, key) WHERE fired_at IS NULL DO NOTHING;
