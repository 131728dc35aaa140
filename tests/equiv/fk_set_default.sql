-- fk_set_default.sql — SPEC §4 ON DELETE SET DEFAULT (staff.office_id DEFAULT 1 → offices):
-- deleting an office moves its staff to office 1; deleting office 1 itself fails with 23503
-- (the default references the deleted row) and changes nothing; several offices at once.
SELECT office_id, count(*) FROM staff GROUP BY office_id ORDER BY office_id;
DELETE FROM offices WHERE id = 2;
SELECT office_id, count(*) FROM staff GROUP BY office_id ORDER BY office_id;
SELECT s.name, o.city FROM staff s JOIN offices o ON o.id = s.office_id ORDER BY s.id;
DELETE FROM offices WHERE id = 1;
SELECT count(*) FROM offices;
DELETE FROM offices WHERE id IN (3, 4) RETURNING id, city;
SELECT office_id, count(*) FROM staff GROUP BY office_id ORDER BY office_id;
INSERT INTO staff (name) VALUES ('New hire') RETURNING id, office_id;
DELETE FROM offices WHERE id = 5;
SELECT * FROM offices ORDER BY id;
