-- Reverts 0001_audit_log.up.sql. `gatehouse migrate` removes its own bookkeeping table
-- (gatehouse.schema_migrations) before this runs when this is the last applied migration, so
-- the schema is empty here unless someone put objects of their own in it: then the restricting
-- `drop schema` fails and the whole step is rolled back, rather than dropping their objects.

drop index gatehouse.audit_log_tenant_at;
drop index gatehouse.audit_log_relation_at;
drop table gatehouse.audit_log;
drop schema gatehouse;
