-- What the finder's plan drawings are made of changes a few times a fair: the site plan
-- (its digest says when), and the stands, zones and gates (their names too), counted here.
-- A finder keeps its drawings until one of the two moves. Local (never synced), like
-- finder_index_state.
CREATE TABLE finder_plan_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL DEFAULT 0
);
INSERT INTO finder_plan_state (id, version) VALUES (1, 0);

CREATE TRIGGER finder_plan_stands_i AFTER INSERT ON stands BEGIN UPDATE finder_plan_state SET version = version + 1; END;
CREATE TRIGGER finder_plan_stands_u AFTER UPDATE ON stands BEGIN UPDATE finder_plan_state SET version = version + 1; END;
CREATE TRIGGER finder_plan_stands_d AFTER DELETE ON stands BEGIN UPDATE finder_plan_state SET version = version + 1; END;
CREATE TRIGGER finder_plan_zones_i AFTER INSERT ON zones BEGIN UPDATE finder_plan_state SET version = version + 1; END;
CREATE TRIGGER finder_plan_zones_u AFTER UPDATE ON zones BEGIN UPDATE finder_plan_state SET version = version + 1; END;
CREATE TRIGGER finder_plan_zones_d AFTER DELETE ON zones BEGIN UPDATE finder_plan_state SET version = version + 1; END;
CREATE TRIGGER finder_plan_gates_i AFTER INSERT ON gates BEGIN UPDATE finder_plan_state SET version = version + 1; END;
CREATE TRIGGER finder_plan_gates_u AFTER UPDATE ON gates BEGIN UPDATE finder_plan_state SET version = version + 1; END;
CREATE TRIGGER finder_plan_gates_d AFTER DELETE ON gates BEGIN UPDATE finder_plan_state SET version = version + 1; END;
