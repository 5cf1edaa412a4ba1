-- Fingerprints the gate found to be common phrasing: held by more reports of the college
-- than its cap when last looked up (`reports` is that lower bound). Later checks skip them
-- without reading their long posting lists, as long as the lower bound still exceeds the
-- cap (which grows with the index); otherwise they are looked up and counted again.
CREATE TABLE similarity_common_hashes (
    college     text        NOT NULL,
    hash        bigint      NOT NULL,
    reports     integer     NOT NULL CHECK (reports >= 1),
    counted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (college, hash)
);
