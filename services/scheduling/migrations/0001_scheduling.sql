-- The scheduling schema starts with the kernel's outbox and inbox; its own tables follow.
COMMENT ON SCHEMA scheduling IS 'Campusflow scheduling service';
