-- What an exhibitor page says of the directory (exhibitors, their organisations, provinces,
-- categories and stands) changes a few times a fair; a finder keeps those parts of its pages
-- until this counter moves (the plan's own: finder_plan_state). Local, never synced.
CREATE TABLE finder_directory_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL DEFAULT 0
);
INSERT INTO finder_directory_state (id, version) VALUES (1, 0);

CREATE TRIGGER finder_directory_ex_i AFTER INSERT ON exhibitors BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_ex_u AFTER UPDATE ON exhibitors BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_ex_d AFTER DELETE ON exhibitors BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_org_i AFTER INSERT ON organisations BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_org_u AFTER UPDATE ON organisations BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_org_d AFTER DELETE ON organisations BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_prov_i AFTER INSERT ON provinces BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_prov_u AFTER UPDATE ON provinces BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_prov_d AFTER DELETE ON provinces BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_cat_i AFTER INSERT ON categories BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_cat_u AFTER UPDATE ON categories BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_cat_d AFTER DELETE ON categories BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_ec_i AFTER INSERT ON exhibitor_categories BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_ec_u AFTER UPDATE ON exhibitor_categories BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_ec_d AFTER DELETE ON exhibitor_categories BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_es_i AFTER INSERT ON exhibitor_stands BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_es_u AFTER UPDATE ON exhibitor_stands BEGIN UPDATE finder_directory_state SET version = version + 1; END;
CREATE TRIGGER finder_directory_es_d AFTER DELETE ON exhibitor_stands BEGIN UPDATE finder_directory_state SET version = version + 1; END;
