-- Stand finder: the exhibitor directory (reference data owned by central), the
-- search index each instance derives from it, and anonymous usage counts.

CREATE TABLE provinces (
    id TEXT PRIMARY KEY,             -- slug: beni-mellal, azilal...
    name_fr TEXT NOT NULL,
    name_ar TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE categories (
    id TEXT PRIMARY KEY,             -- slug: honey, olive-oil...
    name_fr TEXT NOT NULL,
    name_ar TEXT NOT NULL,
    name_en TEXT NOT NULL,
    synonyms TEXT NOT NULL DEFAULT '' -- extra search words, space separated, any language
);

-- id is a UUID derived from the folded name, so the same organisation imported
-- on two instances gets the same id.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

-- Stands are drawn from the layout file; x, y, width, height in metres on the plan.
-- door_x, door_y: where the stand opens onto a walkway (routes end there).
CREATE TABLE stands (
    number TEXT PRIMARY KEY,         -- natural key printed on the stand: 'C07'
    zone_id TEXT NOT NULL REFERENCES zones(id),
    x REAL NOT NULL,
    y REAL NOT NULL,
    width REAL NOT NULL,
    height REAL NOT NULL,
    door_x REAL NOT NULL,
    door_y REAL NOT NULL
);

CREATE TABLE exhibitors (
    id TEXT PRIMARY KEY,             -- UUID
    name_fr TEXT NOT NULL,
    name_ar TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('cooperative', 'association', 'artisan', 'other')),
    organisation_id TEXT REFERENCES organisations(id),
    province_id TEXT REFERENCES provinces(id),
    products_fr TEXT NOT NULL DEFAULT '',
    products_ar TEXT NOT NULL DEFAULT '',
    description_fr TEXT NOT NULL DEFAULT '',
    description_ar TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT ''
);
CREATE INDEX exhibitors_organisation ON exhibitors(organisation_id);
CREATE INDEX exhibitors_province ON exhibitors(province_id);

CREATE TABLE exhibitor_categories (
    exhibitor_id TEXT NOT NULL REFERENCES exhibitors(id) ON DELETE CASCADE,
    category_id TEXT NOT NULL REFERENCES categories(id),
    PRIMARY KEY (exhibitor_id, category_id)
);
CREATE INDEX exhibitor_categories_category ON exhibitor_categories(category_id);

-- Many to many: an organisation may hold several stands, a stand may be shared.
CREATE TABLE exhibitor_stands (
    exhibitor_id TEXT NOT NULL REFERENCES exhibitors(id) ON DELETE CASCADE,
    stand_number TEXT NOT NULL REFERENCES stands(number),
    PRIMARY KEY (exhibitor_id, stand_number)
);
CREATE INDEX exhibitor_stands_stand ON exhibitor_stands(stand_number);

-- The search index is derived locally (never synced): folded text per exhibitor.
-- Triggers mark it stale whenever the directory changes (import, bundle, sync),
-- and the next search rebuilds it.
CREATE VIRTUAL TABLE finder_fts USING fts5(
    exhibitor_id UNINDEXED, name, organisation, products, categories, province, stand,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
CREATE VIRTUAL TABLE finder_vocab USING fts5vocab(finder_fts, 'row');
CREATE TABLE finder_index_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    stale INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 0
);
INSERT INTO finder_index_state (id, stale, version) VALUES (1, 1, 0);

CREATE TRIGGER finder_stale_ex_i AFTER INSERT ON exhibitors BEGIN UPDATE finder_index_state SET stale = 1; END;
CREATE TRIGGER finder_stale_ex_u AFTER UPDATE ON exhibitors BEGIN UPDATE finder_index_state SET stale = 1; END;
CREATE TRIGGER finder_stale_ex_d AFTER DELETE ON exhibitors BEGIN UPDATE finder_index_state SET stale = 1; END;
CREATE TRIGGER finder_stale_ec_i AFTER INSERT ON exhibitor_categories BEGIN UPDATE finder_index_state SET stale = 1; END;
CREATE TRIGGER finder_stale_ec_d AFTER DELETE ON exhibitor_categories BEGIN UPDATE finder_index_state SET stale = 1; END;
CREATE TRIGGER finder_stale_es_i AFTER INSERT ON exhibitor_stands BEGIN UPDATE finder_index_state SET stale = 1; END;
CREATE TRIGGER finder_stale_es_d AFTER DELETE ON exhibitor_stands BEGIN UPDATE finder_index_state SET stale = 1; END;
CREATE TRIGGER finder_stale_cat_i AFTER INSERT ON categories BEGIN UPDATE finder_index_state SET stale = 1; END;
CREATE TRIGGER finder_stale_cat_u AFTER UPDATE ON categories BEGIN UPDATE finder_index_state SET stale = 1; END;
CREATE TRIGGER finder_stale_org_u AFTER UPDATE ON organisations BEGIN UPDATE finder_index_state SET stale = 1; END;

-- Anonymous usage counts for organizers; append-only events synced to central.
-- kind: 'search' (query = folded text, kept only when nothing was found),
-- 'category' (a category browsed or matched by a search), 'province', 'route'.
CREATE TABLE finder_events (
    uuid TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    device_time TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('search', 'category', 'province', 'route')),
    query TEXT,
    results INTEGER,
    category_id TEXT,
    province_id TEXT,
    stand_number TEXT,
    UNIQUE (device_id, device_seq)
);
CREATE INDEX finder_events_kind ON finder_events(kind);
