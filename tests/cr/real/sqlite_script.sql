-- tests/cr/real/sqlite_script.sql: sqlite3 shell workload for cr/real/sqlite3 (a database
-- file in WAL mode with its -shm mapping, indexes, transactions, aggregates; temp_store in
-- memory keeps the set of open fds fixed, which the outside-view check needs); every
-- printed line is deterministic, so the output of a run with checkpoints and restarts in
-- the middle is compared with a native run.
.bail on
.headers off
PRAGMA synchronous = OFF;
PRAGMA temp_store = MEMORY;
PRAGMA journal_mode = WAL;
DROP TABLE IF EXISTS item;
DROP TABLE IF EXISTS summary;
CREATE TABLE item(id INTEGER PRIMARY KEY, grp INTEGER, val INTEGER, tag TEXT);
CREATE TABLE summary(round INTEGER, grp INTEGER, n INTEGER, total INTEGER, digest TEXT);
CREATE INDEX item_grp ON item(grp, val);
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000)
  INSERT INTO item(grp, val, tag)
  SELECT (x * 1) % 97, (x * 7919 + 1 * 104729) % 1000003, printf('r1-%06d', (x * 31) % 1000000) FROM c;
COMMIT;
UPDATE item SET val = (val * 3 + 1) % 1000003 WHERE grp % 5 = 1 % 5;
DELETE FROM item WHERE id % 11 = 1;
INSERT INTO summary SELECT 1, grp, count(*), sum(val), max(tag) FROM item GROUP BY grp;
SELECT 'round 1', count(*), sum(val) % 1000003, min(tag), max(tag) FROM item;
SELECT grp, n, total FROM summary WHERE round = 1 AND grp IN (0, 13, 42, 96) ORDER BY grp;
SELECT count(DISTINCT tag), avg(val) FROM item WHERE grp BETWEEN 10 AND 20;
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000)
  INSERT INTO item(grp, val, tag)
  SELECT (x * 2) % 97, (x * 7919 + 2 * 104729) % 1000003, printf('r2-%06d', (x * 31) % 1000000) FROM c;
COMMIT;
UPDATE item SET val = (val * 3 + 2) % 1000003 WHERE grp % 5 = 2 % 5;
DELETE FROM item WHERE id % 11 = 2;
INSERT INTO summary SELECT 2, grp, count(*), sum(val), max(tag) FROM item GROUP BY grp;
SELECT 'round 2', count(*), sum(val) % 1000003, min(tag), max(tag) FROM item;
SELECT grp, n, total FROM summary WHERE round = 2 AND grp IN (0, 13, 42, 96) ORDER BY grp;
SELECT count(DISTINCT tag), avg(val) FROM item WHERE grp BETWEEN 10 AND 20;
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000)
  INSERT INTO item(grp, val, tag)
  SELECT (x * 3) % 97, (x * 7919 + 3 * 104729) % 1000003, printf('r3-%06d', (x * 31) % 1000000) FROM c;
COMMIT;
UPDATE item SET val = (val * 3 + 3) % 1000003 WHERE grp % 5 = 3 % 5;
DELETE FROM item WHERE id % 11 = 3;
INSERT INTO summary SELECT 3, grp, count(*), sum(val), max(tag) FROM item GROUP BY grp;
SELECT 'round 3', count(*), sum(val) % 1000003, min(tag), max(tag) FROM item;
SELECT grp, n, total FROM summary WHERE round = 3 AND grp IN (0, 13, 42, 96) ORDER BY grp;
SELECT count(DISTINCT tag), avg(val) FROM item WHERE grp BETWEEN 10 AND 20;
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000)
  INSERT INTO item(grp, val, tag)
  SELECT (x * 4) % 97, (x * 7919 + 4 * 104729) % 1000003, printf('r4-%06d', (x * 31) % 1000000) FROM c;
COMMIT;
UPDATE item SET val = (val * 3 + 4) % 1000003 WHERE grp % 5 = 4 % 5;
DELETE FROM item WHERE id % 11 = 4;
INSERT INTO summary SELECT 4, grp, count(*), sum(val), max(tag) FROM item GROUP BY grp;
SELECT 'round 4', count(*), sum(val) % 1000003, min(tag), max(tag) FROM item;
SELECT grp, n, total FROM summary WHERE round = 4 AND grp IN (0, 13, 42, 96) ORDER BY grp;
SELECT count(DISTINCT tag), avg(val) FROM item WHERE grp BETWEEN 10 AND 20;
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000)
  INSERT INTO item(grp, val, tag)
  SELECT (x * 5) % 97, (x * 7919 + 5 * 104729) % 1000003, printf('r5-%06d', (x * 31) % 1000000) FROM c;
COMMIT;
UPDATE item SET val = (val * 3 + 5) % 1000003 WHERE grp % 5 = 5 % 5;
DELETE FROM item WHERE id % 11 = 5;
INSERT INTO summary SELECT 5, grp, count(*), sum(val), max(tag) FROM item GROUP BY grp;
SELECT 'round 5', count(*), sum(val) % 1000003, min(tag), max(tag) FROM item;
SELECT grp, n, total FROM summary WHERE round = 5 AND grp IN (0, 13, 42, 96) ORDER BY grp;
SELECT count(DISTINCT tag), avg(val) FROM item WHERE grp BETWEEN 10 AND 20;
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000)
  INSERT INTO item(grp, val, tag)
  SELECT (x * 6) % 97, (x * 7919 + 6 * 104729) % 1000003, printf('r6-%06d', (x * 31) % 1000000) FROM c;
COMMIT;
UPDATE item SET val = (val * 3 + 6) % 1000003 WHERE grp % 5 = 6 % 5;
DELETE FROM item WHERE id % 11 = 6;
INSERT INTO summary SELECT 6, grp, count(*), sum(val), max(tag) FROM item GROUP BY grp;
SELECT 'round 6', count(*), sum(val) % 1000003, min(tag), max(tag) FROM item;
SELECT grp, n, total FROM summary WHERE round = 6 AND grp IN (0, 13, 42, 96) ORDER BY grp;
SELECT count(DISTINCT tag), avg(val) FROM item WHERE grp BETWEEN 10 AND 20;
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000)
  INSERT INTO item(grp, val, tag)
  SELECT (x * 7) % 97, (x * 7919 + 7 * 104729) % 1000003, printf('r7-%06d', (x * 31) % 1000000) FROM c;
COMMIT;
UPDATE item SET val = (val * 3 + 7) % 1000003 WHERE grp % 5 = 7 % 5;
DELETE FROM item WHERE id % 11 = 7;
INSERT INTO summary SELECT 7, grp, count(*), sum(val), max(tag) FROM item GROUP BY grp;
SELECT 'round 7', count(*), sum(val) % 1000003, min(tag), max(tag) FROM item;
SELECT grp, n, total FROM summary WHERE round = 7 AND grp IN (0, 13, 42, 96) ORDER BY grp;
SELECT count(DISTINCT tag), avg(val) FROM item WHERE grp BETWEEN 10 AND 20;
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000)
  INSERT INTO item(grp, val, tag)
  SELECT (x * 8) % 97, (x * 7919 + 8 * 104729) % 1000003, printf('r8-%06d', (x * 31) % 1000000) FROM c;
COMMIT;
UPDATE item SET val = (val * 3 + 8) % 1000003 WHERE grp % 5 = 8 % 5;
DELETE FROM item WHERE id % 11 = 8;
INSERT INTO summary SELECT 8, grp, count(*), sum(val), max(tag) FROM item GROUP BY grp;
SELECT 'round 8', count(*), sum(val) % 1000003, min(tag), max(tag) FROM item;
SELECT grp, n, total FROM summary WHERE round = 8 AND grp IN (0, 13, 42, 96) ORDER BY grp;
SELECT count(DISTINCT tag), avg(val) FROM item WHERE grp BETWEEN 10 AND 20;
SELECT 'final', count(*), sum(n), sum(total) % 1000003 FROM summary;
PRAGMA integrity_check;
.print PASS
