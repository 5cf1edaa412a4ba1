-- A college admin's wording of a kind in a locale (the built-in templates ship with the
-- code, version 0). Every save is a new version, kept for the record; the latest version
-- is the one in use. A revert to the built-in template is a version too, with no source.
CREATE TABLE template_versions (
    college   text        NOT NULL,
    kind      text        NOT NULL,
    locale    text        NOT NULL CHECK (locale IN ('zh-CN', 'en')),
    version   integer     NOT NULL CHECK (version >= 1),
    source    text        CHECK (source IS NULL OR length(source) <= 20000),
    saved_by  text        NOT NULL,
    saved_at  timestamptz NOT NULL,
    PRIMARY KEY (college, kind, locale, version)
);
