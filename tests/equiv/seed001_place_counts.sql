-- seed001_place_counts.sql — seeds/001: the places / activities / place_activities count
-- query that breaks with views. After deleting an activity and a place (marking them), the
-- join table rows pointing to them must stop counting (SPEC §3, last point) and GROUP BY
-- p.id with p.name selected must keep working on the base table. The Ecto queries are
-- written as Ecto sends them (quoted identifiers, AS aliases).
SELECT p0."id", count(p1."id") FROM "places" AS p0
  LEFT OUTER JOIN "place_activities" AS p1 ON p1."place_id" = p0."id"
GROUP BY p0."id" ORDER BY p0."id";
DELETE FROM activities WHERE name = 'climbing';
DELETE FROM "places" AS p0 WHERE p0."id" = 5;
SELECT p0."id", count(p1."id") FROM "places" AS p0
  LEFT OUTER JOIN "place_activities" AS p1 ON p1."place_id" = p0."id"
GROUP BY p0."id" ORDER BY p0."id";
SELECT a0."id", a0."name", a0."is_deleted", count(a1."id") FROM "places" AS a0
  LEFT OUTER JOIN "place_activities" AS a1 ON a1."place_id" = a0."id"
GROUP BY a0."id" ORDER BY a0."id";
SELECT a0."id", a0."name", a0."type", a0."is_deleted", p1."place_id" FROM "activities" AS a0
  INNER JOIN "place_activities" AS p1 ON a0."id" = p1."activity_id"
WHERE (p1."place_id" = ANY ('{1,2,3,4,5,6,9}')) ORDER BY p1."place_id", a0."id";
SELECT p0."id", p0."name" FROM "places" AS p0 WHERE (p0."is_deleted" = false) ORDER BY p0."id";
SELECT a.name, count(pa.id) FROM activities a LEFT JOIN place_activities pa ON pa.activity_id = a.id
GROUP BY a.id ORDER BY a.name;
DELETE FROM place_activities WHERE activity_id = 2;
UPDATE place_activities SET activity_id = activity_id WHERE place_id = 5;
SELECT count(*) FROM place_activities;
