-- Self-check of scripts/sql/orleans-postgres.sql against shared/orleans-adonet-contract.md
-- ("contract §n"). Run it with `scripts/postgres.sh selftest`, or:
--   psql -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 55432 -U postgres -d actorai -f this-file
--
-- Every query is taken verbatim from orleansquery and run the way Orleans runs it through
-- Npgsql: each @Name is replaced by a typed literal of the type Npgsql would send (contract
-- §0.4), and only the parameters the contract lists for that key are supplied; a text that
-- references any other parameter fails the check. Results are checked the way the provider
-- reads them (contract §0.5, §1.3, §2.3, §3.2).
--
-- Everything runs in one transaction that is rolled back at the end, with its own cluster and
-- service ids, so the database is left as it was. A failed check raises an exception naming it.
-- What a single session cannot show: races between concurrent callers (the locking and
-- ON CONFLICT paths); the unique indexes those paths rely on are checked here directly.

\set ON_ERROR_STOP 1
\set QUIET 1
\pset pager off
SET client_min_messages = warning;

BEGIN;

-- ---------------------------------------------------------------------------------------------
-- Helpers (temporary: they vanish with the session)
-- ---------------------------------------------------------------------------------------------
CREATE TEMP TABLE selftest_checks (n integer NOT NULL);
INSERT INTO selftest_checks VALUES (0);

CREATE FUNCTION pg_temp.ok(p_cond boolean, p_what text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_cond IS NOT TRUE THEN
        RAISE EXCEPTION 'selftest FAILED: %', p_what;
    END IF;
    UPDATE selftest_checks SET n = n + 1;
END $$;

CREATE FUNCTION pg_temp.eq(p_actual anyelement, p_expected anyelement, p_what text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_actual IS DISTINCT FROM p_expected THEN
        RAISE EXCEPTION 'selftest FAILED: %: expected %, got %', p_what, p_expected, p_actual;
    END IF;
    UPDATE selftest_checks SET n = n + 1;
END $$;

-- A typed SQL literal, e.g. '42'::integer or NULL::text: what Npgsql sends for a parameter.
CREATE FUNCTION pg_temp.lit(p_value anyelement) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(quote_literal(p_value), 'NULL') || '::' || pg_typeof(p_value)::text
$$;
-- String constants ('abc' is of unknown type) bind as text.
CREATE FUNCTION pg_temp.lit(p_value text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(quote_literal(p_value), 'NULL') || '::text'
$$;

-- The query text of p_key with its @Name placeholders bound to p_args (name, literal, name,
-- literal, ...). Names match case-insensitively, as in Npgsql.
CREATE FUNCTION pg_temp.bind(p_key text, VARIADIC p_args text[]) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_sql   text;
    v_names text[] := '{}';
    v_token text;
BEGIN
    SELECT querytext INTO v_sql FROM orleansquery WHERE querykey = p_key;
    IF v_sql IS NULL THEN
        RAISE EXCEPTION 'selftest FAILED: no query text for key %', p_key;
    END IF;
    FOR i IN 1 .. coalesce(array_length(p_args, 1), 0) BY 2 LOOP
        v_names := v_names || lower(p_args[i]);
    END LOOP;
    FOR v_token IN
        SELECT DISTINCT lower(m[1]) FROM regexp_matches(v_sql, '@([A-Za-z_][A-Za-z0-9_]*)', 'g') AS m
    LOOP
        IF NOT v_token = ANY (v_names) THEN
            RAISE EXCEPTION 'selftest FAILED: % references @%, which Orleans does not send for it',
                p_key, v_token;
        END IF;
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(p_args, 1), 0) BY 2 LOOP
        v_sql := regexp_replace(v_sql, '@' || p_args[i] || '\M',
                                replace(p_args[i + 1], '\', '\\'), 'gi');
    END LOOP;
    RETURN v_sql;
END $$;

-- Runs a row-returning key; one json object per row, columns in result order.
CREATE FUNCTION pg_temp.q(p_key text, VARIADIC p_args text[]) RETURNS SETOF json
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN EXECUTE pg_temp.bind(p_key, VARIADIC p_args) LOOP
        RETURN NEXT row_to_json(r);
    END LOOP;
END $$;

-- All rows of a row-returning key as a jsonb array.
CREATE FUNCTION pg_temp.rows(p_key text, VARIADIC p_args text[]) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT coalesce(jsonb_agg(x::jsonb), '[]'::jsonb) FROM pg_temp.q(p_key, VARIADIC p_args) AS x
$$;

-- Runs an execute-style key (rows, if any, are discarded as Orleans does).
CREATE FUNCTION pg_temp.exec(p_key text, VARIADIC p_args text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE pg_temp.bind(p_key, VARIADIC p_args);
END $$;

-- A single-boolean key: exactly one row with exactly one non-null boolean column (contract §0.5).
CREATE FUNCTION pg_temp.bool1(p_key text, VARIADIC p_args text[]) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    v_rows  jsonb := pg_temp.rows(p_key, VARIADIC p_args);
    v_value jsonb;
BEGIN
    PERFORM pg_temp.eq(jsonb_array_length(v_rows), 1, p_key || ': row count');
    PERFORM pg_temp.eq((SELECT count(*) FROM jsonb_object_keys(v_rows -> 0)), 1::bigint,
                       p_key || ': column count');
    SELECT value INTO v_value FROM jsonb_each(v_rows -> 0);
    PERFORM pg_temp.eq(jsonb_typeof(v_value), 'boolean', p_key || ': value type');
    RETURN v_value::boolean;
END $$;

-- A persistence key: at most one row (the provider calls SingleOrDefault); returns the named
-- column, or column 0 when p_column is NULL, as text ("" for NULL, as C# formats it), or NULL
-- when no row came back (contract §2.3).
CREATE FUNCTION pg_temp.storage_value(p_key text, p_column text, VARIADIC p_args text[]) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_rows json[];
    v_value json;
BEGIN
    SELECT coalesce(array_agg(x), '{}') INTO v_rows FROM pg_temp.q(p_key, VARIADIC p_args) AS x;
    PERFORM pg_temp.ok(coalesce(array_length(v_rows, 1), 0) <= 1, p_key || ': at most one row');
    IF coalesce(array_length(v_rows, 1), 0) = 0 THEN
        RETURN NULL;
    END IF;
    IF p_column IS NULL THEN
        SELECT value INTO v_value FROM json_each(v_rows[1]) LIMIT 1;
    ELSE
        PERFORM pg_temp.ok((v_rows[1])::jsonb ? p_column, p_key || ': has column ' || p_column);
        v_value := v_rows[1] -> p_column;
    END IF;
    RETURN coalesce(v_value #>> '{}', '');
END $$;

-- The provider's CheckVersionInconsistency (contract §2.3), negated: true = success.
CREATE FUNCTION pg_temp.storage_accepts(p_returned text, p_etag text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_returned IS NOT NULL AND p_returned <> '' AND p_returned IS DISTINCT FROM p_etag
$$;

-- Sorted column names of a json row.
CREATE FUNCTION pg_temp.columns_of(p_row jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(p_row) AS k
$$;

-- ---------------------------------------------------------------------------------------------
-- 0. The query table and the key set (contract §0.2, §1.1, §2.1, §3.1)
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
    v_expected text[] := ARRAY[
        'GatewaysQueryKey', 'MembershipReadRowKey', 'MembershipReadAllKey',
        'InsertMembershipVersionKey', 'UpdateIAmAlivetimeKey', 'InsertMembershipKey',
        'UpdateMembershipKey', 'DeleteMembershipTableEntriesKey', 'CleanupDefunctSiloEntriesKey',
        'ReadFromStorageKey', 'WriteToStorageKey', 'ClearStorageKey', 'DeleteStorageKey',
        'ReadReminderRowsKey', 'ReadRangeRows1Key', 'ReadRangeRows2Key', 'ReadReminderRowKey',
        'UpsertReminderRowKey', 'DeleteReminderRowKey', 'DeleteReminderRowsKey'];
    v_missing text;
BEGIN
    SELECT string_agg(k, ', ') INTO v_missing
      FROM unnest(v_expected) AS k
     WHERE NOT EXISTS (SELECT 1 FROM orleansquery WHERE querykey = k);
    PERFORM pg_temp.eq(v_missing, NULL, 'missing query keys');
    PERFORM pg_temp.ok(NOT EXISTS (SELECT 1 FROM orleansquery WHERE querykey = 'CleanupDefunctSiloEntryKey'),
                       'optional CleanupDefunctSiloEntryKey is absent (set-based cleanup is used)');
    PERFORM pg_temp.eq(
        (SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ', ' ORDER BY column_name)
           FROM information_schema.columns
          WHERE table_name = 'orleansquery' AND table_schema = current_schema()),
        'querykey text NO, querytext text NO',
        'orleansquery(querykey, querytext): lower case, text, NOT NULL');
    PERFORM pg_temp.ok(
        EXISTS (SELECT 1 FROM pg_index i
                 WHERE i.indrelid = 'orleansquery'::regclass AND i.indisunique AND i.indnatts = 1
                   AND i.indkey[0] = (SELECT attnum FROM pg_attribute
                                       WHERE attrelid = 'orleansquery'::regclass AND attname = 'querykey')),
        'querykey is unique');
END $$;

-- Stored column types: result types follow from them (timestamptz, contract §0.5 and gotcha 10;
-- signed integer hashes, gotcha 16; int4/int8 for GetInt64; bytea payload, contract §2.4).
DO $$
BEGIN
    PERFORM pg_temp.eq(
        (SELECT string_agg(table_name || '.' || column_name || ' ' || data_type, ', '
                           ORDER BY table_name, column_name)
           FROM information_schema.columns
          WHERE table_schema = current_schema()
            AND (table_name, column_name) IN (
                ('orleansmembershipversiontable', 'version'),
                ('orleansmembershiptable', 'port'), ('orleansmembershiptable', 'generation'),
                ('orleansmembershiptable', 'status'), ('orleansmembershiptable', 'proxyport'),
                ('orleansmembershiptable', 'starttime'), ('orleansmembershiptable', 'iamalivetime'),
                ('orleansstorage', 'payloadbinary'), ('orleansstorage', 'version'),
                ('orleansstorage', 'grainidhash'), ('orleansstorage', 'graintypehash'),
                ('orleansstorage', 'grainidn0'), ('orleansstorage', 'grainidn1'),
                ('orleansreminderstable', 'starttime'), ('orleansreminderstable', 'period'),
                ('orleansreminderstable', 'grainhash'), ('orleansreminderstable', 'version'))),
        'orleansmembershiptable.generation integer, orleansmembershiptable.iamalivetime timestamp with time zone, '
        'orleansmembershiptable.port integer, orleansmembershiptable.proxyport integer, '
        'orleansmembershiptable.starttime timestamp with time zone, orleansmembershiptable.status integer, '
        'orleansmembershipversiontable.version integer, '
        'orleansreminderstable.grainhash integer, orleansreminderstable.period bigint, '
        'orleansreminderstable.starttime timestamp with time zone, orleansreminderstable.version integer, '
        'orleansstorage.grainidhash integer, orleansstorage.grainidn0 bigint, orleansstorage.grainidn1 bigint, '
        'orleansstorage.graintypehash integer, orleansstorage.payloadbinary bytea, orleansstorage.version integer',
        'storage column types');
END $$;

-- ---------------------------------------------------------------------------------------------
-- 1. Clustering (contract §1)
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.insert_member(
    p_dep text, p_address text, p_port integer, p_generation integer, p_status integer,
    p_proxyport integer, p_version integer, p_siloname text DEFAULT 'silo',
    p_iamalive timestamptz DEFAULT '2026-01-01 00:00:00+00') RETURNS boolean
LANGUAGE sql AS $$
    SELECT pg_temp.bool1('InsertMembershipKey',
        'DeploymentId', pg_temp.lit(p_dep), 'IAmAliveTime', pg_temp.lit(p_iamalive),
        'SiloName', pg_temp.lit(p_siloname), 'HostName', pg_temp.lit('host-' || p_address),
        'Address', pg_temp.lit(p_address), 'Port', pg_temp.lit(p_port),
        'Generation', pg_temp.lit(p_generation),
        'StartTime', pg_temp.lit('2025-12-31 23:00:00+00'::timestamptz),
        'Status', pg_temp.lit(p_status), 'ProxyPort', pg_temp.lit(p_proxyport),
        'Version', pg_temp.lit(p_version))
$$;

CREATE FUNCTION pg_temp.update_member(
    p_dep text, p_address text, p_port integer, p_generation integer, p_iamalive timestamptz,
    p_status integer, p_suspecttimes text, p_version integer) RETURNS boolean
LANGUAGE sql AS $$
    SELECT pg_temp.bool1('UpdateMembershipKey',
        'DeploymentId', pg_temp.lit(p_dep), 'Address', pg_temp.lit(p_address),
        'Port', pg_temp.lit(p_port), 'Generation', pg_temp.lit(p_generation),
        'IAmAliveTime', pg_temp.lit(p_iamalive), 'Status', pg_temp.lit(p_status),
        'SuspectTimes', pg_temp.lit(p_suspecttimes), 'Version', pg_temp.lit(p_version))
$$;

CREATE FUNCTION pg_temp.read_all(p_dep text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT pg_temp.rows('MembershipReadAllKey', 'DeploymentId', pg_temp.lit(p_dep))
$$;

CREATE FUNCTION pg_temp.read_row(p_dep text, p_address text, p_port integer, p_generation integer)
    RETURNS jsonb
LANGUAGE sql AS $$
    SELECT pg_temp.rows('MembershipReadRowKey', 'DeploymentId', pg_temp.lit(p_dep),
        'Address', pg_temp.lit(p_address), 'Port', pg_temp.lit(p_port),
        'Generation', pg_temp.lit(p_generation))
$$;

CREATE FUNCTION pg_temp.table_version(p_dep text) RETURNS integer
LANGUAGE sql AS $$
    SELECT version FROM orleansmembershipversiontable WHERE deploymentid = p_dep
$$;

-- The member of a read result with the given address, or NULL.
CREATE FUNCTION pg_temp.member(p_rows jsonb, p_address text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT e FROM jsonb_array_elements(p_rows) AS e WHERE e ->> 'address' = p_address
$$;

DO $$
DECLARE
    c_members_cols constant text :=
        'address,generation,hostname,iamalivetime,port,proxyport,siloname,starttime,status,suspecttimes,version';
    v_dep   text := 'selftest-cluster-' || md5(random()::text);
    v_other text := v_dep || '-other';
    v_rows  jsonb;
    v_row   jsonb;
    v_t1    timestamptz := '2026-01-01 00:05:00+00';
    v_t2    timestamptz := '2026-01-01 00:10:00+00';
    v_suspect text := '10.0.0.2:11112@2,2026-01-01 00:04:59.123 GMT|10.0.0.3:11113@3,2026-01-01 00:05:00.000 GMT';
BEGIN
    -- No version row yet: reads return nothing (Orleans needs the row that the silo's
    -- InsertMembershipVersionKey creates at start, contract §1.3).
    PERFORM pg_temp.eq(jsonb_array_length(pg_temp.read_all(v_dep)), 0, 'read before version row');

    -- Version row: true when created, false when it already exists (contract §1.4).
    PERFORM pg_temp.eq(pg_temp.bool1('InsertMembershipVersionKey', 'DeploymentId', pg_temp.lit(v_dep)),
                       true, 'InsertMembershipVersion creates the row');
    PERFORM pg_temp.eq(pg_temp.bool1('InsertMembershipVersionKey', 'DeploymentId', pg_temp.lit(v_dep)),
                       false, 'InsertMembershipVersion on an existing row');
    PERFORM pg_temp.eq(pg_temp.table_version(v_dep), 0, 'initial table version');
    PERFORM pg_temp.ok(pg_temp.bool1('InsertMembershipVersionKey', 'DeploymentId', pg_temp.lit(v_other)),
                       'second cluster gets its own version row');

    -- Empty table: exactly the version row, member columns NULL, Version set.
    v_rows := pg_temp.read_all(v_dep);
    PERFORM pg_temp.eq(jsonb_array_length(v_rows), 1, 'empty read: one row');
    PERFORM pg_temp.eq(pg_temp.columns_of(v_rows -> 0), c_members_cols, 'read columns');
    PERFORM pg_temp.ok(v_rows -> 0 -> 'starttime' = 'null'::jsonb, 'empty read: StartTime NULL');
    PERFORM pg_temp.eq((v_rows -> 0 ->> 'version')::int, 0, 'empty read: Version');
    v_rows := pg_temp.read_row(v_dep, '10.0.0.1', 11111, 1);
    PERFORM pg_temp.eq(jsonb_array_length(v_rows), 1, 'empty read row: one row');
    PERFORM pg_temp.ok(v_rows -> 0 -> 'starttime' = 'null'::jsonb, 'empty read row: StartTime NULL');

    -- Insert: compare-and-swap on the version the caller read, bump to @Version + 1.
    PERFORM pg_temp.eq(pg_temp.insert_member(v_dep, '10.0.0.1', 11111, 1, 3, 30001, 0), true,
                       'insert A at the current version');
    PERFORM pg_temp.eq(pg_temp.table_version(v_dep), 1, 'insert bumps the version to @Version + 1');
    PERFORM pg_temp.eq(pg_temp.insert_member(v_dep, '10.0.0.2', 11112, 2, 3, 0, 0), false,
                       'insert B at a stale version');
    PERFORM pg_temp.eq(pg_temp.table_version(v_dep), 1, 'failed insert keeps the version');
    PERFORM pg_temp.eq(pg_temp.insert_member(v_dep, '10.0.0.1', 11111, 1, 3, 30001, 1), false,
                       'insert of a duplicate silo at the current version');
    PERFORM pg_temp.eq(pg_temp.table_version(v_dep), 1, 'duplicate insert keeps the version');
    PERFORM pg_temp.eq(pg_temp.insert_member(v_dep, '10.0.0.9', 1, 1, 3, 0, 5), false,
                       'insert at a future version');
    PERFORM pg_temp.eq(pg_temp.insert_member(v_dep || '-missing', '10.0.0.9', 1, 1, 3, 0, 0), false,
                       'insert into a cluster without a version row');
    -- B is Active without a gateway; C is Joining with a NULL SiloName.
    PERFORM pg_temp.eq(pg_temp.insert_member(v_dep, '10.0.0.2', 11112, 2, 3, 0, 1), true, 'insert B');
    PERFORM pg_temp.eq(pg_temp.insert_member(v_dep, '10.0.0.3', 11113, 3, 2, 30003, 2, NULL), true,
                       'insert C with a NULL SiloName');
    -- Same silo identity in the other cluster: independent.
    PERFORM pg_temp.eq(pg_temp.insert_member(v_other, '10.0.0.1', 11111, 1, 3, 30001, 0), true,
                       'insert A into the other cluster');
    PERFORM pg_temp.eq(pg_temp.table_version(v_dep), 3, 'version after three inserts');

    -- Reads: one row per member, each with the table version.
    v_rows := pg_temp.read_all(v_dep);
    PERFORM pg_temp.eq(jsonb_array_length(v_rows), 3, 'read all: one row per member');
    PERFORM pg_temp.eq((SELECT count(*) FROM jsonb_array_elements(v_rows) e
                         WHERE (e ->> 'version')::int = 3 AND e -> 'starttime' <> 'null'::jsonb
                           AND e -> 'siloname' <> 'null'::jsonb AND e -> 'hostname' <> 'null'::jsonb),
                       3::bigint, 'read all: Version, StartTime, SiloName, HostName on every row');
    v_row := pg_temp.member(v_rows, '10.0.0.1');
    PERFORM pg_temp.eq(v_row ->> 'hostname', 'host-10.0.0.1', 'A.HostName');
    PERFORM pg_temp.eq(v_row ->> 'siloname', 'silo', 'A.SiloName');
    PERFORM pg_temp.eq((v_row ->> 'port')::int, 11111, 'A.Port');
    PERFORM pg_temp.eq((v_row ->> 'generation')::int, 1, 'A.Generation');
    PERFORM pg_temp.eq((v_row ->> 'status')::int, 3, 'A.Status');
    PERFORM pg_temp.eq((v_row ->> 'proxyport')::int, 30001, 'A.ProxyPort');
    PERFORM pg_temp.eq((v_row ->> 'starttime')::timestamptz, '2025-12-31 23:00:00+00'::timestamptz, 'A.StartTime');
    PERFORM pg_temp.eq((v_row ->> 'iamalivetime')::timestamptz, '2026-01-01 00:00:00+00'::timestamptz, 'A.IAmAliveTime');
    PERFORM pg_temp.ok(v_row -> 'suspecttimes' = 'null'::jsonb, 'A.SuspectTimes NULL after insert');
    PERFORM pg_temp.eq(pg_temp.member(v_rows, '10.0.0.3') ->> 'siloname', '', 'NULL SiloName reads as ''''');

    v_rows := pg_temp.read_row(v_dep, '10.0.0.2', 11112, 2);
    PERFORM pg_temp.eq(jsonb_array_length(v_rows), 1, 'read row B: one row');
    PERFORM pg_temp.eq(v_rows -> 0 ->> 'address', '10.0.0.2', 'read row B: address');
    PERFORM pg_temp.eq((v_rows -> 0 ->> 'version')::int, 3, 'read row B: table version');
    PERFORM pg_temp.eq(pg_temp.columns_of(v_rows -> 0), c_members_cols, 'read row columns');
    v_rows := pg_temp.read_row(v_dep, '10.0.0.2', 11112, 99);
    PERFORM pg_temp.eq(jsonb_array_length(v_rows), 1, 'read row of an unknown generation: one row');
    PERFORM pg_temp.ok(v_rows -> 0 -> 'starttime' = 'null'::jsonb, 'read row of an unknown silo: no member');
    PERFORM pg_temp.eq((v_rows -> 0 ->> 'version')::int, 3, 'read row of an unknown silo: version');

    -- Gateways: Active (3) silos with a gateway only.
    v_rows := pg_temp.rows('GatewaysQueryKey', 'DeploymentId', pg_temp.lit(v_dep), 'Status', pg_temp.lit(3));
    PERFORM pg_temp.eq(v_rows, '[{"address": "10.0.0.1", "proxyport": 30001, "generation": 1}]'::jsonb,
                       'gateways: A only (B has no gateway, C is not Active)');

    -- Heartbeat: this silo's IAmAliveTime only, version unchanged (contract §1.4, gotcha 7).
    PERFORM pg_temp.exec('UpdateIAmAlivetimeKey', 'DeploymentId', pg_temp.lit(v_dep),
        'Address', pg_temp.lit('10.0.0.1'), 'Port', pg_temp.lit(11111), 'Generation', pg_temp.lit(1),
        'IAmAliveTime', pg_temp.lit(v_t1));
    PERFORM pg_temp.eq(pg_temp.table_version(v_dep), 3, 'heartbeat keeps the version');
    v_rows := pg_temp.read_all(v_dep);
    PERFORM pg_temp.eq((pg_temp.member(v_rows, '10.0.0.1') ->> 'iamalivetime')::timestamptz, v_t1,
                       'heartbeat sets IAmAliveTime');
    PERFORM pg_temp.eq((pg_temp.member(v_rows, '10.0.0.2') ->> 'iamalivetime')::timestamptz,
                       '2026-01-01 00:00:00+00'::timestamptz, 'heartbeat leaves other silos alone');
    PERFORM pg_temp.eq((pg_temp.member(pg_temp.read_all(v_other), '10.0.0.1') ->> 'iamalivetime')::timestamptz,
                       '2026-01-01 00:00:00+00'::timestamptz, 'heartbeat leaves other clusters alone');
    PERFORM pg_temp.exec('UpdateIAmAlivetimeKey', 'DeploymentId', pg_temp.lit(v_dep),
        'Address', pg_temp.lit('10.9.9.9'), 'Port', pg_temp.lit(1), 'Generation', pg_temp.lit(1),
        'IAmAliveTime', pg_temp.lit(v_t1));
    PERFORM pg_temp.eq(pg_temp.table_version(v_dep), 3, 'heartbeat of an unknown silo is a no-op');

    -- Update: same compare-and-swap; IAmAliveTime, Status, SuspectTimes change.
    PERFORM pg_temp.eq(pg_temp.update_member(v_dep, '10.0.0.1', 11111, 1, v_t2, 4, v_suspect, 3), true,
                       'update A at the current version');
    PERFORM pg_temp.eq(pg_temp.table_version(v_dep), 4, 'update bumps the version to @Version + 1');
    v_row := pg_temp.member(pg_temp.read_all(v_dep), '10.0.0.1');
    PERFORM pg_temp.eq((v_row ->> 'status')::int, 4, 'update sets Status');
    PERFORM pg_temp.eq(v_row ->> 'suspecttimes', v_suspect, 'update sets SuspectTimes');
    PERFORM pg_temp.eq((v_row ->> 'iamalivetime')::timestamptz, v_t2, 'update sets IAmAliveTime');
    PERFORM pg_temp.eq((v_row ->> 'starttime')::timestamptz, '2025-12-31 23:00:00+00'::timestamptz,
                       'update keeps StartTime');
    PERFORM pg_temp.eq((v_row ->> 'proxyport')::int, 30001, 'update keeps ProxyPort');
    PERFORM pg_temp.eq(pg_temp.update_member(v_dep, '10.0.0.1', 11111, 1, v_t2, 5, NULL, 3), false,
                       'update at a stale version');
    PERFORM pg_temp.eq((pg_temp.member(pg_temp.read_all(v_dep), '10.0.0.1') ->> 'status')::int, 4,
                       'stale update changes nothing');
    PERFORM pg_temp.eq(pg_temp.update_member(v_dep, '10.9.9.9', 1, 1, v_t2, 5, NULL, 4), false,
                       'update of an unknown silo');
    PERFORM pg_temp.eq(pg_temp.table_version(v_dep), 4, 'failed updates keep the version');
    PERFORM pg_temp.eq(pg_temp.update_member(v_dep, '10.0.0.1', 11111, 1, v_t2, 3, NULL, 4), true,
                       'update with NULL SuspectTimes');
    PERFORM pg_temp.ok(pg_temp.member(pg_temp.read_all(v_dep), '10.0.0.1') -> 'suspecttimes' = 'null'::jsonb,
                       'SuspectTimes NULL stored');
    PERFORM pg_temp.eq(pg_temp.update_member(v_dep, '10.0.0.1', 11111, 1, v_t2, 3, '', 5), true,
                       'update with empty SuspectTimes');
    PERFORM pg_temp.eq(pg_temp.member(pg_temp.read_all(v_dep), '10.0.0.1') ->> 'suspecttimes', '',
                       'SuspectTimes '''' stored');

    -- Defunct cleanup (contract §1.5): Dead (6) and IAmAliveTime < cutoff, exclusive.
    -- B dead with an old heartbeat, C dead exactly at the cutoff, A active with an old heartbeat.
    PERFORM pg_temp.eq(pg_temp.update_member(v_dep, '10.0.0.2', 11112, 2,
                                             '2026-01-01 00:01:00+00', 6, NULL, 6), true, 'B dead');
    PERFORM pg_temp.eq(pg_temp.update_member(v_dep, '10.0.0.3', 11113, 3, v_t1, 6, NULL, 7), true, 'C dead');
    PERFORM pg_temp.eq(pg_temp.update_member(v_dep, '10.0.0.1', 11111, 1,
                                             '2026-01-01 00:00:30+00', 3, NULL, 8), true, 'A old heartbeat');
    PERFORM pg_temp.exec('CleanupDefunctSiloEntriesKey', 'DeploymentId', pg_temp.lit(v_dep),
                         'IAmAliveTime', pg_temp.lit(v_t1));
    PERFORM pg_temp.eq((SELECT string_agg(e ->> 'address', ',' ORDER BY e ->> 'address')
                          FROM jsonb_array_elements(pg_temp.read_all(v_dep)) e),
                       '10.0.0.1,10.0.0.3', 'cleanup removes only dead silos older than the cutoff');
    PERFORM pg_temp.eq(jsonb_array_length(pg_temp.read_all(v_other)), 1, 'cleanup leaves other clusters alone');

    -- Delete entries: members gone, version row kept (reads stay valid) and bumped.
    PERFORM pg_temp.exec('DeleteMembershipTableEntriesKey', 'DeploymentId', pg_temp.lit(v_dep));
    v_rows := pg_temp.read_all(v_dep);
    PERFORM pg_temp.eq(jsonb_array_length(v_rows), 1, 'after delete entries: one row');
    PERFORM pg_temp.ok(v_rows -> 0 -> 'starttime' = 'null'::jsonb, 'after delete entries: no member');
    PERFORM pg_temp.eq((v_rows -> 0 ->> 'version')::int, 10, 'delete entries bumps the version');
    PERFORM pg_temp.eq(pg_temp.bool1('InsertMembershipVersionKey', 'DeploymentId', pg_temp.lit(v_dep)),
                       false, 'version row survives delete entries');
    PERFORM pg_temp.eq(pg_temp.insert_member(v_dep, '10.0.0.1', 11111, 1, 3, 30001, 10), true,
                       'insert after delete entries at the read version');
    PERFORM pg_temp.eq(jsonb_array_length(pg_temp.read_all(v_other)), 1,
                       'delete entries leaves other clusters alone');
    PERFORM pg_temp.exec('DeleteMembershipTableEntriesKey', 'DeploymentId', pg_temp.lit(v_dep));
    PERFORM pg_temp.exec('DeleteMembershipTableEntriesKey', 'DeploymentId', pg_temp.lit(v_other));
END $$;

-- ---------------------------------------------------------------------------------------------
-- 2. Persistence (contract §2)
-- ---------------------------------------------------------------------------------------------
-- The identity parameters every persistence key receives (contract §2.2).
CREATE FUNCTION pg_temp.grain(p_service text, p_ext text, p_n1 bigint DEFAULT 42,
                              p_type text DEFAULT 'state') RETURNS text[]
LANGUAGE sql AS $$
    SELECT ARRAY[
        'GrainIdHash', pg_temp.lit(-123456789),
        'GrainIdN0', pg_temp.lit((-9223372036854775808)::bigint),
        'GrainIdN1', pg_temp.lit(p_n1),
        'GrainTypeHash', pg_temp.lit(2147483647),
        'GrainTypeString', pg_temp.lit(p_type),
        'GrainIdExtensionString', pg_temp.lit(p_ext),
        'ServiceId', pg_temp.lit(p_service)]
$$;

CREATE FUNCTION pg_temp.read_state(p_grain text[]) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_rows jsonb := pg_temp.rows('ReadFromStorageKey', VARIADIC p_grain);
BEGIN
    PERFORM pg_temp.ok(jsonb_array_length(v_rows) <= 1, 'ReadFromStorage: at most one row');
    IF jsonb_array_length(v_rows) = 1 THEN
        PERFORM pg_temp.eq(pg_temp.columns_of(v_rows -> 0), 'payloadbinary,version', 'ReadFromStorage columns');
    END IF;
    RETURN v_rows -> 0;
END $$;

CREATE FUNCTION pg_temp.write_state(p_grain text[], p_etag text, p_payload bytea) RETURNS text
LANGUAGE sql AS $$
    SELECT pg_temp.storage_value('WriteToStorageKey', 'newgrainstateversion', VARIADIC p_grain || ARRAY[
        'GrainStateVersion', pg_temp.lit(p_etag::integer), 'PayloadBinary', pg_temp.lit(p_payload)])
$$;

CREATE FUNCTION pg_temp.clear_state(p_key text, p_grain text[], p_etag text) RETURNS text
LANGUAGE sql AS $$
    SELECT pg_temp.storage_value(p_key, NULL, VARIADIC p_grain || ARRAY[
        'GrainStateVersion', pg_temp.lit(p_etag::integer)])
$$;

DO $$
DECLARE
    v_svc   text := 'selftest-service-' || md5(random()::text);
    g_null  text[] := pg_temp.grain(v_svc, NULL);       -- no key extension
    g_ext   text[] := pg_temp.grain(v_svc, 'ext');      -- same ids, extension 'ext'
    g_empty text[] := pg_temp.grain(v_svc, '');         -- same ids, extension ''
    g_n1    text[] := pg_temp.grain(v_svc, NULL, 43);   -- same hashes, other key
    g_type  text[] := pg_temp.grain(v_svc, NULL, 42, 'other'); -- same hashes, other state name
    v_state jsonb;
    v_etag  text;
    v_ret   text;
BEGIN
    PERFORM pg_temp.ok(pg_temp.read_state(g_null) IS NULL, 'read of a missing grain: no row');

    -- Write with a NULL etag inserts at version 1; a second one is a conflict, not an error.
    v_ret := pg_temp.write_state(g_null, NULL, '\x01'::bytea);
    PERFORM pg_temp.ok(pg_temp.storage_accepts(v_ret, NULL), 'first write accepted');
    PERFORM pg_temp.eq(v_ret, '1', 'first write returns version 1');
    v_etag := v_ret;
    PERFORM pg_temp.ok(NOT pg_temp.storage_accepts(pg_temp.write_state(g_null, NULL, '\x02'::bytea), NULL),
                       'insert over an existing row is a conflict');
    v_state := pg_temp.read_state(g_null);
    PERFORM pg_temp.eq(v_state ->> 'payloadbinary', '\x01', 'read payload');
    PERFORM pg_temp.eq(v_state ->> 'version', '1', 'read version');

    -- Write with the current etag updates and returns a different version; stale ones conflict.
    v_ret := pg_temp.write_state(g_null, v_etag, '\x0203'::bytea);
    PERFORM pg_temp.ok(pg_temp.storage_accepts(v_ret, v_etag), 'update accepted');
    PERFORM pg_temp.eq(v_ret, '2', 'update returns version + 1');
    PERFORM pg_temp.ok(NOT pg_temp.storage_accepts(pg_temp.write_state(g_null, v_etag, '\xff'::bytea), v_etag),
                       'update with a stale etag is a conflict');
    PERFORM pg_temp.ok(NOT pg_temp.storage_accepts(pg_temp.write_state(g_null, '7', '\xff'::bytea), '7'),
                       'update with a future etag is a conflict');
    v_etag := v_ret;
    PERFORM pg_temp.eq(pg_temp.read_state(g_null) ->> 'payloadbinary', '\x0203', 'conflicts changed nothing');

    -- The extension string is part of the identity; NULL and '' are different keys.
    PERFORM pg_temp.ok(pg_temp.read_state(g_ext) IS NULL, 'extension ''ext'' is another grain');
    PERFORM pg_temp.ok(pg_temp.read_state(g_empty) IS NULL, 'extension '''' is another grain');
    PERFORM pg_temp.eq(pg_temp.write_state(g_ext, NULL, '\x10'::bytea), '1', 'insert with extension');
    PERFORM pg_temp.eq(pg_temp.write_state(g_empty, NULL, '\x11'::bytea), '1', 'insert with empty extension');
    PERFORM pg_temp.eq(pg_temp.write_state(g_n1, NULL, '\x12'::bytea), '1', 'insert with same hashes, other N1');
    PERFORM pg_temp.eq(pg_temp.write_state(g_type, NULL, '\x13'::bytea), '1', 'insert with same hashes, other state name');
    PERFORM pg_temp.eq(pg_temp.read_state(g_null) ->> 'payloadbinary', '\x0203', 'NULL-extension row untouched');
    PERFORM pg_temp.eq(pg_temp.read_state(g_ext) ->> 'payloadbinary', '\x10', 'read with extension');
    PERFORM pg_temp.eq(pg_temp.read_state(g_empty) ->> 'payloadbinary', '\x11', 'read with empty extension');
    PERFORM pg_temp.eq(pg_temp.read_state(pg_temp.grain(v_svc || '-other', NULL)), NULL::jsonb,
                       'another service does not see the row');

    -- Clear (DeleteStateOnClear = false): payload NULL, row kept, version bumped, column 0.
    PERFORM pg_temp.ok(NOT pg_temp.storage_accepts(pg_temp.clear_state('ClearStorageKey', g_null, '1'), '1'),
                       'clear with a stale etag is a conflict');
    PERFORM pg_temp.ok(NOT pg_temp.storage_accepts(pg_temp.clear_state('ClearStorageKey', g_null, NULL), NULL),
                       'clear with a NULL etag is a conflict');
    v_ret := pg_temp.clear_state('ClearStorageKey', g_null, v_etag);
    PERFORM pg_temp.ok(pg_temp.storage_accepts(v_ret, v_etag), 'clear accepted');
    PERFORM pg_temp.eq(v_ret, '3', 'clear returns version + 1 (an int the next write can parse)');
    v_etag := v_ret;
    v_state := pg_temp.read_state(g_null);
    PERFORM pg_temp.ok(v_state -> 'payloadbinary' = 'null'::jsonb, 'cleared row: payload NULL');
    PERFORM pg_temp.eq(v_state ->> 'version', '3', 'cleared row keeps its version');
    PERFORM pg_temp.ok(NOT pg_temp.storage_accepts(pg_temp.write_state(g_null, NULL, '\x05'::bytea), NULL),
                       'insert over a cleared row is a conflict');
    v_ret := pg_temp.write_state(g_null, v_etag, '\x05'::bytea);
    PERFORM pg_temp.ok(pg_temp.storage_accepts(v_ret, v_etag), 'write after clear with the cleared version');
    v_etag := v_ret;
    PERFORM pg_temp.eq(pg_temp.read_state(g_null) ->> 'payloadbinary', '\x05', 'payload after clear + write');

    -- Delete (DeleteStateOnClear = true): row removed; column 0 non-null and not the etag.
    PERFORM pg_temp.ok(NOT pg_temp.storage_accepts(pg_temp.clear_state('DeleteStorageKey', g_null, '3'), '3'),
                       'delete with a stale etag is a conflict');
    PERFORM pg_temp.ok(NOT pg_temp.storage_accepts(pg_temp.clear_state('DeleteStorageKey', g_null, NULL), NULL),
                       'delete with a NULL etag is a conflict');
    PERFORM pg_temp.ok(pg_temp.read_state(g_null) IS NOT NULL, 'failed deletes keep the row');
    v_ret := pg_temp.clear_state('DeleteStorageKey', g_null, v_etag);
    PERFORM pg_temp.ok(pg_temp.storage_accepts(v_ret, v_etag), 'delete accepted');
    PERFORM pg_temp.ok(pg_temp.read_state(g_null) IS NULL, 'deleted row is gone');
    PERFORM pg_temp.ok(pg_temp.read_state(g_ext) IS NOT NULL, 'delete removed only its own grain');
    v_ret := pg_temp.clear_state('DeleteStorageKey', g_ext, '1');
    PERFORM pg_temp.ok(pg_temp.storage_accepts(v_ret, '1'), 'delete at etag "1" is accepted (no constant 1)');
    -- After a delete the grain holds a NULL etag: the next write must take the insert path.
    v_ret := pg_temp.write_state(g_null, NULL, '\x06'::bytea);
    PERFORM pg_temp.ok(pg_temp.storage_accepts(v_ret, NULL), 'write after delete inserts again');

    -- NULLS NOT DISTINCT: a second row for the same NULL-extension key is a unique violation,
    -- which is what lets ON CONFLICT DO NOTHING absorb concurrent first writes.
    BEGIN
        INSERT INTO orleansstorage (serviceid, graintypehash, grainidhash, grainidn0, grainidn1,
                                    graintypestring, grainidextensionstring, payloadbinary, version)
        VALUES (v_svc, 2147483647, -123456789, -9223372036854775808, 42, 'state', NULL, '\x00', 1);
        RAISE EXCEPTION 'selftest FAILED: duplicate NULL-extension grain row was accepted';
    EXCEPTION WHEN unique_violation THEN
        PERFORM pg_temp.ok(true, 'unique index treats NULL extensions as equal');
    END;

    DELETE FROM orleansstorage WHERE serviceid = v_svc;
END $$;

-- ---------------------------------------------------------------------------------------------
-- 3. Reminders (contract §3)
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.upsert_reminder(p_svc text, p_grain text, p_name text, p_hash integer,
                                        p_period text DEFAULT '60000') RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_rows jsonb;
BEGIN
    -- Period is sent as integer, or as bigint when it exceeds int.MaxValue ms (contract §3.2).
    v_rows := pg_temp.rows('UpsertReminderRowKey', 'ServiceId', pg_temp.lit(p_svc),
        'GrainHash', pg_temp.lit(p_hash), 'GrainId', pg_temp.lit(p_grain),
        'ReminderName', pg_temp.lit(p_name),
        'StartTime', pg_temp.lit('2026-01-01 00:00:00+00'::timestamptz),
        'Period', CASE WHEN p_period::bigint > 2147483647 THEN pg_temp.lit(p_period::bigint)
                       ELSE pg_temp.lit(p_period::integer) END);
    PERFORM pg_temp.ok(jsonb_array_length(v_rows) >= 1, 'UpsertReminderRow returns a row');
    PERFORM pg_temp.ok(jsonb_typeof(v_rows -> 0 -> 'version') = 'number', 'UpsertReminderRow returns Version');
    RETURN (v_rows -> 0 ->> 'version')::integer;
END $$;

CREATE FUNCTION pg_temp.delete_reminder(p_svc text, p_grain text, p_name text, p_version integer)
    RETURNS boolean
LANGUAGE sql AS $$
    SELECT pg_temp.bool1('DeleteReminderRowKey', 'ServiceId', pg_temp.lit(p_svc),
        'GrainId', pg_temp.lit(p_grain), 'ReminderName', pg_temp.lit(p_name),
        'Version', pg_temp.lit(p_version))
$$;

-- Sorted "grain/name" list of a reminder row set, checking the columns of every row.
CREATE FUNCTION pg_temp.reminder_names(p_rows jsonb) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_temp.eq(
        (SELECT count(*) FROM jsonb_array_elements(p_rows) e
          WHERE pg_temp.columns_of(e) = 'grainid,period,remindername,starttime,version'
            AND e ->> 'grainid' IS NOT NULL AND e ->> 'remindername' IS NOT NULL
            AND e ->> 'starttime' IS NOT NULL AND e ->> 'period' IS NOT NULL
            AND e ->> 'version' IS NOT NULL),
        jsonb_array_length(p_rows)::bigint, 'reminder rows: columns present and non-null');
    RETURN coalesce((SELECT string_agg((e ->> 'grainid') || '/' || (e ->> 'remindername'), ','
                                       ORDER BY (e ->> 'grainid') || '/' || (e ->> 'remindername'))
                       FROM jsonb_array_elements(p_rows) e), '');
END $$;

-- ReadRows(begin, end) the way the provider does it: Rows1 when begin < end (signed), else Rows2.
CREATE FUNCTION pg_temp.read_range(p_svc text, p_begin integer, p_end integer) RETURNS text
LANGUAGE sql AS $$
    SELECT pg_temp.reminder_names(pg_temp.rows(
        CASE WHEN p_begin < p_end THEN 'ReadRangeRows1Key' ELSE 'ReadRangeRows2Key' END,
        'ServiceId', pg_temp.lit(p_svc), 'BeginHash', pg_temp.lit(p_begin),
        'EndHash', pg_temp.lit(p_end)))
$$;

DO $$
DECLARE
    v_svc   text := 'selftest-reminders-' || md5(random()::text);
    v_other text := v_svc || '-other';
    v_v0 integer;
    v_v1 integer;
    v_v2 integer;
    v_rows jsonb;
    v_bounds integer[] := ARRAY[-2147483648, -6, -5, -1, 0, 6, 7, 2147483647];
    v_b integer;
    v_e integer;
    v_expected text;
BEGIN
    -- Upsert: always a row, and a new Version on every update.
    v_v0 := pg_temp.upsert_reminder(v_svc, 'g/neg', 'r', -5);
    v_v1 := pg_temp.upsert_reminder(v_svc, 'g/neg', 'r', -5);
    v_v2 := pg_temp.upsert_reminder(v_svc, 'g/neg', 'r', -5, '3000000000');
    PERFORM pg_temp.ok(v_v1 IS DISTINCT FROM v_v0 AND v_v2 IS DISTINCT FROM v_v1
                       AND v_v2 IS DISTINCT FROM v_v0, 'upsert changes the version every time');
    PERFORM pg_temp.upsert_reminder(v_svc, 'g/zero', 'r', 0);
    PERFORM pg_temp.upsert_reminder(v_svc, 'g/pos', 'r1', 7);
    PERFORM pg_temp.upsert_reminder(v_svc, 'g/pos', 'r2', 7);
    PERFORM pg_temp.upsert_reminder(v_svc, 'g/min', 'r', -2147483648);
    PERFORM pg_temp.upsert_reminder(v_svc, 'g/max', 'r', 2147483647);
    PERFORM pg_temp.upsert_reminder(v_other, 'g/zero', 'r', 0);

    -- Point reads.
    v_rows := pg_temp.rows('ReadReminderRowKey', 'ServiceId', pg_temp.lit(v_svc),
                           'GrainId', pg_temp.lit('g/neg'), 'ReminderName', pg_temp.lit('r'));
    PERFORM pg_temp.eq(pg_temp.reminder_names(v_rows), 'g/neg/r', 'read reminder row');
    PERFORM pg_temp.eq((v_rows -> 0 ->> 'version')::integer, v_v2, 'read reminder row: version');
    PERFORM pg_temp.eq((v_rows -> 0 ->> 'period')::bigint, 3000000000, 'read reminder row: bigint period');
    PERFORM pg_temp.eq((v_rows -> 0 ->> 'starttime')::timestamptz, '2026-01-01 00:00:00+00'::timestamptz,
                       'read reminder row: start time');
    PERFORM pg_temp.eq(jsonb_array_length(pg_temp.rows('ReadReminderRowKey', 'ServiceId', pg_temp.lit(v_svc),
                           'GrainId', pg_temp.lit('g/neg'), 'ReminderName', pg_temp.lit('missing'))), 0,
                       'read of a missing reminder: no row');
    PERFORM pg_temp.eq(pg_temp.reminder_names(pg_temp.rows('ReadReminderRowsKey',
                           'ServiceId', pg_temp.lit(v_svc), 'GrainId', pg_temp.lit('g/pos'))),
                       'g/pos/r1,g/pos/r2', 'read reminder rows of a grain');

    -- Ranges (begin, end] on signed hashes; begin = end is the whole ring (contract §3.3).
    PERFORM pg_temp.eq(pg_temp.read_range(v_svc, -5, 7), 'g/pos/r1,g/pos/r2,g/zero/r', 'Rows1 (-5, 7]');
    PERFORM pg_temp.eq(pg_temp.read_range(v_svc, -6, 0), 'g/neg/r,g/zero/r', 'Rows1 (-6, 0]');
    PERFORM pg_temp.eq(pg_temp.read_range(v_svc, -2147483648, 2147483647),
                       'g/max/r,g/neg/r,g/pos/r1,g/pos/r2,g/zero/r', 'Rows1 (min, max]');
    PERFORM pg_temp.eq(pg_temp.read_range(v_svc, 7, -5), 'g/max/r,g/min/r,g/neg/r', 'Rows2 (7, -5] wraps');
    PERFORM pg_temp.eq(pg_temp.read_range(v_svc, 0, -1), 'g/max/r,g/min/r,g/neg/r,g/pos/r1,g/pos/r2',
                       'Rows2 (0, -1] wraps');
    PERFORM pg_temp.eq(pg_temp.read_range(v_svc, 0, 0),
                       'g/max/r,g/min/r,g/neg/r,g/pos/r1,g/pos/r2,g/zero/r', 'Rows2 begin = end = 0: whole ring');
    PERFORM pg_temp.eq(pg_temp.read_range(v_svc, -5, -5),
                       'g/max/r,g/min/r,g/neg/r,g/pos/r1,g/pos/r2,g/zero/r', 'Rows2 begin = end = -5: whole ring');
    PERFORM pg_temp.eq(pg_temp.read_range(v_svc, -2147483648, -2147483648),
                       'g/max/r,g/min/r,g/neg/r,g/pos/r1,g/pos/r2,g/zero/r', 'Rows2 begin = end = min: whole ring');
    -- Every begin/end pair against the definition, computed here from the stored hashes.
    FOREACH v_b IN ARRAY v_bounds LOOP
        FOREACH v_e IN ARRAY v_bounds LOOP
            SELECT coalesce(string_agg(grainid || '/' || remindername, ',' ORDER BY grainid || '/' || remindername), '')
              INTO v_expected
              FROM orleansreminderstable
             WHERE serviceid = v_svc
               AND CASE WHEN v_b < v_e THEN grainhash > v_b AND grainhash <= v_e
                        ELSE grainhash > v_b OR grainhash <= v_e END;
            PERFORM pg_temp.eq(pg_temp.read_range(v_svc, v_b, v_e), v_expected,
                               format('range (%s, %s]', v_b, v_e));
        END LOOP;
    END LOOP;

    -- Update through upsert changes the row's fields too.
    PERFORM pg_temp.upsert_reminder(v_svc, 'g/zero', 'r', 1, '1000');
    PERFORM pg_temp.eq(pg_temp.read_range(v_svc, 0, 1), 'g/zero/r', 'upsert moves the grain hash');

    -- Delete: only at the current version; one boolean row either way.
    PERFORM pg_temp.eq(pg_temp.delete_reminder(v_svc, 'g/neg', 'r', v_v1), false, 'delete at a stale version');
    PERFORM pg_temp.eq(pg_temp.reminder_names(pg_temp.rows('ReadReminderRowsKey',
                           'ServiceId', pg_temp.lit(v_svc), 'GrainId', pg_temp.lit('g/neg'))),
                       'g/neg/r', 'stale delete keeps the row');
    PERFORM pg_temp.eq(pg_temp.delete_reminder(v_svc, 'g/neg', 'r', v_v2), true, 'delete at the current version');
    PERFORM pg_temp.eq(pg_temp.delete_reminder(v_svc, 'g/neg', 'r', v_v2), false, 'delete of a missing reminder');
    PERFORM pg_temp.eq(jsonb_array_length(pg_temp.rows('ReadReminderRowsKey',
                           'ServiceId', pg_temp.lit(v_svc), 'GrainId', pg_temp.lit('g/neg'))), 0,
                       'deleted reminder is gone');
    PERFORM pg_temp.ok(pg_temp.upsert_reminder(v_svc, 'g/neg', 'r', -5) IS NOT NULL, 'upsert after delete');

    -- Delete all rows of a service (TestOnlyClearTable).
    PERFORM pg_temp.exec('DeleteReminderRowsKey', 'ServiceId', pg_temp.lit(v_svc));
    PERFORM pg_temp.eq(pg_temp.read_range(v_svc, 0, 0), '', 'delete rows empties the service');
    PERFORM pg_temp.eq(pg_temp.read_range(v_other, 0, 0), 'g/zero/r', 'delete rows leaves other services alone');
    PERFORM pg_temp.exec('DeleteReminderRowsKey', 'ServiceId', pg_temp.lit(v_other));
END $$;

SELECT n AS selftest_checks FROM selftest_checks \gset
ROLLBACK;
\echo 'selftest:' :selftest_checks 'passed, 0 failed'
