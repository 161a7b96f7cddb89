-- PostgreSQL schema for Orleans 10.4.2's ADO.NET providers (Invariant "Npgsql"):
-- clustering (AdoNetClusteringTable / AdoNetGatewayListProvider), grain persistence
-- (AdoNetGrainStorage) and reminders (AdoNetReminderTable); at the end, ActorAI's own table for
-- the silos' shared ASP.NET Core Data Protection keys.
--
-- Orleans 10.4.2 ships no SQL for these providers. It reads its query texts by key from the table
-- orleansquery at provider init; everything here follows shared/orleans-adonet-contract.md (cited
-- as "contract §n"). Table and column names of the storage tables are ours; result column names
-- are the contract's (PostgreSQL folds them to lower case; Npgsql's GetOrdinal falls back to a
-- case-insensitive match, contract §0.2).
--
-- Idempotent: safe to apply any number of times (scripts/postgres.sh schema). Re-applying
-- replaces the query texts and functions; running silos pick new texts up only after a restart
-- (contract §0.2). Plain SQL, no psql meta-commands.
-- Needs PostgreSQL 15 or later (UNIQUE ... NULLS NOT DISTINCT).
--
-- Query-text conventions (contract §0.3, §0.4):
--   * parameters are written @Name; Npgsql rewrites them to $n. A text references only the
--     parameters its key receives, because an unmatched @Name is sent verbatim and fails.
--   * a command runs without an explicit transaction, and Orleans flattens the rows of every
--     result set, so each row-returning text is ONE statement whose rows are the answer.
--   * compare-and-swap steps that need a fixed order (check, then write, then bump) live in
--     plpgsql functions: the data-modifying CTEs of a single statement all run on one snapshot
--     and can't undo each other.

BEGIN;

-- "relation ... already exists, skipping" on every re-run is noise.
SET LOCAL client_min_messages = warning;

-- Serialise concurrent applications of this file (two CI jobs starting at once): concurrent
-- CREATE ... IF NOT EXISTS of the same object can still fail on the catalog's unique indexes.
DO $$ BEGIN PERFORM pg_advisory_xact_lock(hashtext('actorai.orleans-postgres.sql')); END $$;

-- ---------------------------------------------------------------------------------------------
-- The query table (contract §0.2): unquoted, so lower case; both columns text and NOT NULL;
-- querykey unique and matched case-sensitively. One table serves all three providers.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  text NOT NULL PRIMARY KEY,
    querytext text NOT NULL
);

-- =============================================================================================
-- Clustering (contract §1)
-- =============================================================================================

-- One row per cluster (DeploymentId = ClusterOptions.ClusterId) holding the table version that
-- every membership read returns on every row (contract §1.3, §1.4). Starts at 0: it must stay a
-- non-negative int32 because the provider rejects etags that are not canonical unsigned ints.
CREATE TABLE IF NOT EXISTS orleansmembershipversiontable
(
    deploymentid text        NOT NULL PRIMARY KEY,
    updatedon    timestamptz NOT NULL DEFAULT now(),
    version      integer     NOT NULL DEFAULT 0 CHECK (version >= 0)
);

-- One row per silo; identity (Address, Port, Generation) within a cluster (contract §1.1).
-- timestamptz throughout: Npgsql sends DateTime as timestamptz and Orleans stamps Kind=Utc on
-- what it reads back without converting (contract §0.5, gotcha 10). No per-row version: every
-- member's etag is the table version (contract §1.3). RoleName/UpdateZone/FaultZone are never
-- sent, so not stored (contract §1.2).
CREATE TABLE IF NOT EXISTS orleansmembershiptable
(
    deploymentid text        NOT NULL REFERENCES orleansmembershipversiontable (deploymentid),
    address      text        NOT NULL,
    port         integer     NOT NULL,
    generation   integer     NOT NULL,
    siloname     text        NOT NULL,
    hostname     text        NOT NULL,
    status       integer     NOT NULL,
    proxyport    integer     NOT NULL,
    suspecttimes text        NULL,
    starttime    timestamptz NOT NULL,
    iamalivetime timestamptz NOT NULL,
    PRIMARY KEY (deploymentid, address, port, generation)
);

-- InsertMembershipKey (contract §1.4): succeed only while the cluster's version still equals the
-- @Version the caller read, add the silo only if it is absent, then bump the version to
-- @Version + 1. A stale version or a duplicate silo returns false and changes nothing (an error
-- would be retried as a failure, not as contention). Order matters: lock the version row first
-- (FOR UPDATE re-checks "version = p_version" on the newest row version, so of two racing
-- writers that read the same version only the first wins), insert, and bump only if the insert
-- happened. SiloName may be NULL in type but reads must return it non-null (contract §1.3), so
-- NULL is stored as ''; HostName likewise.
CREATE OR REPLACE FUNCTION orleans_membership_insert(
    p_deploymentid text, p_iamalivetime timestamptz, p_siloname text, p_hostname text,
    p_address text, p_port integer, p_generation integer, p_starttime timestamptz,
    p_status integer, p_proxyport integer, p_version integer)
    RETURNS boolean
    LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1
       FROM orleansmembershipversiontable
      WHERE deploymentid = p_deploymentid AND version = p_version
        FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    INSERT INTO orleansmembershiptable
        (deploymentid, address, port, generation, siloname, hostname, status, proxyport,
         suspecttimes, starttime, iamalivetime)
    VALUES
        (p_deploymentid, p_address, p_port, p_generation, coalesce(p_siloname, ''),
         coalesce(p_hostname, ''), p_status, p_proxyport, NULL, p_starttime, p_iamalivetime)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE orleansmembershipversiontable
       SET version = version + 1, updatedon = now()
     WHERE deploymentid = p_deploymentid;
    RETURN true;
END
$fn$;

-- UpdateMembershipKey (contract §1.4): same compare-and-swap as the insert, on an existing row;
-- only IAmAliveTime, Status and SuspectTimes change (StartTime, SiloName, HostName and ProxyPort
-- are not sent, contract §1.2). A missing silo returns false and leaves the version alone.
CREATE OR REPLACE FUNCTION orleans_membership_update(
    p_deploymentid text, p_address text, p_port integer, p_generation integer,
    p_iamalivetime timestamptz, p_status integer, p_suspecttimes text, p_version integer)
    RETURNS boolean
    LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1
       FROM orleansmembershipversiontable
      WHERE deploymentid = p_deploymentid AND version = p_version
        FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE orleansmembershiptable
       SET iamalivetime = p_iamalivetime, status = p_status, suspecttimes = p_suspecttimes
     WHERE deploymentid = p_deploymentid
       AND address = p_address AND port = p_port AND generation = p_generation;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE orleansmembershipversiontable
       SET version = version + 1, updatedon = now()
     WHERE deploymentid = p_deploymentid;
    RETURN true;
END
$fn$;

-- =============================================================================================
-- Persistence (contract §2)
-- =============================================================================================

-- The grain identity is (ServiceId, GrainTypeHash, GrainIdHash, GrainIdN0, GrainIdN1,
-- GrainTypeString, GrainIdExtensionString); the hashes are 32-bit lookup aids that can collide,
-- so the full values are part of the key (contract §2.2). GrainIdExtensionString can be NULL
-- (gotcha 12): the unique index treats NULLs as equal (NULLS NOT DISTINCT, PostgreSQL 15) while
-- still keeping NULL and '' apart, and the queries compare it with IS NOT DISTINCT FROM.
-- Payload is the serializer's bytes verbatim in bytea (contract §2.4). A cleared row keeps its
-- version with a NULL payload (contract §2.3, "Read semantics").
-- Btree entries are limited to about 2.7 kB, which bounds the combined key strings.
CREATE TABLE IF NOT EXISTS orleansstorage
(
    serviceid              text        NOT NULL,
    graintypehash          integer     NOT NULL,
    grainidhash            integer     NOT NULL,
    grainidn0              bigint      NOT NULL,
    grainidn1              bigint      NOT NULL,
    graintypestring        text        NOT NULL,
    grainidextensionstring text        NULL,
    payloadbinary          bytea       NULL,
    version                integer     NOT NULL,
    modifiedon             timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS orleansstorage_grain_ux
    ON orleansstorage (serviceid, graintypehash, grainidhash, grainidn0, grainidn1,
                       graintypestring, grainidextensionstring)
    NULLS NOT DISTINCT;

-- =============================================================================================
-- Reminders (contract §3)
-- =============================================================================================

-- GrainHash is the uint hash reinterpreted as a signed int32 and is compared signed (contract
-- §3.2, gotcha 16). Period is milliseconds and may exceed int32 (bigint). Version is the etag.
CREATE TABLE IF NOT EXISTS orleansreminderstable
(
    serviceid    text        NOT NULL,
    grainid      text        NOT NULL,
    remindername text        NOT NULL,
    starttime    timestamptz NOT NULL,
    period       bigint      NOT NULL,
    grainhash    integer     NOT NULL,
    version      integer     NOT NULL,
    PRIMARY KEY (serviceid, grainid, remindername)
);

CREATE INDEX IF NOT EXISTS orleansreminderstable_hash_ix
    ON orleansreminderstable (serviceid, grainhash);

-- =============================================================================================
-- Query texts. Re-applying this file overwrites them.
-- =============================================================================================
INSERT INTO orleansquery (querykey, querytext)
VALUES

-- ---- Clustering (contract §1) ----------------------------------------------------------------

-- Clients build gateway URIs from every row and filter nothing themselves (contract §1.3), so
-- the query keeps only silos with @Status (= 3, Active) that have a gateway (ProxyPort > 0).
('GatewaysQueryKey', $sql$
SELECT m.address, m.proxyport, m.generation
  FROM orleansmembershiptable m
 WHERE m.deploymentid = @DeploymentId
   AND m.status = @Status
   AND m.proxyport > 0
$sql$),

-- Membership reads (contract §1.3): the version row LEFT JOINed to the members, so the answer is
-- either exactly one row with NULL member columns (StartTime NULL = no member) or one row per
-- member, each carrying the table Version. No version row means no rows, which the provider
-- cannot handle; the silo creates it at start (InsertMembershipVersionKey). One statement, one
-- snapshot: the version and the members are consistent with each other.
('MembershipReadRowKey', $sql$
SELECT v.version, m.address, m.port, m.generation, m.siloname, m.hostname, m.status,
       m.proxyport, m.suspecttimes, m.starttime, m.iamalivetime
  FROM orleansmembershipversiontable v
  LEFT JOIN orleansmembershiptable m
         ON m.deploymentid = v.deploymentid
        AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
 WHERE v.deploymentid = @DeploymentId
$sql$),

('MembershipReadAllKey', $sql$
SELECT v.version, m.address, m.port, m.generation, m.siloname, m.hostname, m.status,
       m.proxyport, m.suspecttimes, m.starttime, m.iamalivetime
  FROM orleansmembershipversiontable v
  LEFT JOIN orleansmembershiptable m ON m.deploymentid = v.deploymentid
 WHERE v.deploymentid = @DeploymentId
$sql$),

-- One row, one boolean column: true if this call created the version row (contract §1.4).
-- ON CONFLICT DO NOTHING: concurrent silo starts must not fail on a duplicate key.
('InsertMembershipVersionKey', $sql$
WITH ins AS (
    INSERT INTO orleansmembershipversiontable (deploymentid)
    VALUES (@DeploymentId)
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM ins) AS inserted
$sql$),

-- Heartbeat: this silo's IAmAliveTime only; the table version must not change (contract §1.4,
-- gotcha 7). The result is ignored.
('UpdateIAmAlivetimeKey', $sql$
UPDATE orleansmembershiptable
   SET iamalivetime = @IAmAliveTime
 WHERE deploymentid = @DeploymentId
   AND address = @Address AND port = @Port AND generation = @Generation
$sql$),

-- Compare-and-swap at @Version, bumping to @Version + 1; see the functions above.
('InsertMembershipKey', $sql$
SELECT orleans_membership_insert(@DeploymentId, @IAmAliveTime, @SiloName, @HostName, @Address,
                                 @Port, @Generation, @StartTime, @Status, @ProxyPort,
                                 @Version) AS inserted
$sql$),

('UpdateMembershipKey', $sql$
SELECT orleans_membership_update(@DeploymentId, @Address, @Port, @Generation, @IAmAliveTime,
                                 @Status, @SuspectTimes, @Version) AS updated
$sql$),

-- Deletes the cluster's silos but keeps its version row, so running silos and clients keep
-- reading a valid (empty) table instead of failing until some silo restarts (the contract leaves
-- this open, §1.4). The version is bumped so that silos holding the old membership snapshot
-- lose their next compare-and-swap and re-read. Result ignored.
('DeleteMembershipTableEntriesKey', $sql$
DELETE FROM orleansmembershiptable
 WHERE deploymentid = @DeploymentId;
UPDATE orleansmembershipversiontable
   SET version = version + 1, updatedon = now()
 WHERE deploymentid = @DeploymentId
$sql$),

-- Set-based defunct-silo cleanup (contract §1.5): Dead (Status 6, a literal because only
-- DeploymentId and the cutoff are sent) silos whose last heartbeat is before the cutoff
-- (exclusive). The row-level CleanupDefunctSiloEntryKey is deliberately not provided, so
-- Orleans runs this one.
('CleanupDefunctSiloEntriesKey', $sql$
DELETE FROM orleansmembershiptable
 WHERE deploymentid = @DeploymentId
   AND status = 6
   AND iamalivetime < @IAmAliveTime
$sql$),

-- ---- Persistence (contract §2) ---------------------------------------------------------------

-- 0 or 1 row: PayloadBinary (NULL for a cleared row) and Version (contract §2.3).
('ReadFromStorageKey', $sql$
SELECT s.payloadbinary, s.version
  FROM orleansstorage s
 WHERE s.serviceid = @ServiceId
   AND s.graintypehash = @GrainTypeHash
   AND s.grainidhash = @GrainIdHash
   AND s.grainidn0 = @GrainIdN0
   AND s.grainidn1 = @GrainIdN1
   AND s.graintypestring = @GrainTypeString
   AND s.grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
$sql$),

-- Success = exactly one row whose NewGrainStateVersion differs from @GrainStateVersion; no row
-- means conflict (contract §2.3). Exactly one branch can act: with a NULL @GrainStateVersion
-- only the insert (new row at version 1; an existing row, cleared or not, is a conflict), with a
-- version only the update (stored version must match; returns version + 1). ON CONFLICT DO
-- NOTHING turns a concurrent double insert into "no row" (a conflict) instead of a
-- unique-violation error.
('WriteToStorageKey', $sql$
WITH upd AS (
    UPDATE orleansstorage s
       SET payloadbinary = @PayloadBinary, version = s.version + 1, modifiedon = now()
     WHERE s.serviceid = @ServiceId
       AND s.graintypehash = @GrainTypeHash
       AND s.grainidhash = @GrainIdHash
       AND s.grainidn0 = @GrainIdN0
       AND s.grainidn1 = @GrainIdN1
       AND s.graintypestring = @GrainTypeString
       AND s.grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
       AND s.version = @GrainStateVersion
    RETURNING s.version
), ins AS (
    INSERT INTO orleansstorage
        (serviceid, graintypehash, grainidhash, grainidn0, grainidn1, graintypestring,
         grainidextensionstring, payloadbinary, version, modifiedon)
    SELECT @ServiceId, @GrainTypeHash, @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeString,
           @GrainIdExtensionString, @PayloadBinary, 1, now()
     WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version
)
SELECT version AS newgrainstateversion FROM upd
UNION ALL
SELECT version FROM ins
$sql$),

-- Clear with DeleteStateOnClear = false: under the version check, keep the row with a NULL
-- payload and a bumped version, returned in column 0 (the next Write int.Parse()s it). A NULL
-- @GrainStateVersion never matches (no row = conflict), like any stale etag.
('ClearStorageKey', $sql$
UPDATE orleansstorage s
   SET payloadbinary = NULL, version = s.version + 1, modifiedon = now()
 WHERE s.serviceid = @ServiceId
   AND s.graintypehash = @GrainTypeHash
   AND s.grainidhash = @GrainIdHash
   AND s.grainidn0 = @GrainIdN0
   AND s.grainidn1 = @GrainIdN1
   AND s.graintypestring = @GrainTypeString
   AND s.grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
   AND s.version = @GrainStateVersion
RETURNING s.version AS newgrainstateversion
$sql$),

-- Clear with DeleteStateOnClear = true: under the version check, remove the row, so the next
-- Write (etag NULL) takes the insert path. Column 0 must be non-null and differ from the etag
-- (gotcha 9): the old version + 1 always does; a constant such as 1 would not.
('DeleteStorageKey', $sql$
DELETE FROM orleansstorage s
 WHERE s.serviceid = @ServiceId
   AND s.graintypehash = @GrainTypeHash
   AND s.grainidhash = @GrainIdHash
   AND s.grainidn0 = @GrainIdN0
   AND s.grainidn1 = @GrainIdN1
   AND s.graintypestring = @GrainTypeString
   AND s.grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
   AND s.version = @GrainStateVersion
RETURNING s.version + 1 AS newgrainstateversion
$sql$),

-- ---- Reminders (contract §3) -----------------------------------------------------------------

('ReadReminderRowsKey', $sql$
SELECT r.grainid, r.remindername, r.starttime, r.period, r.version
  FROM orleansreminderstable r
 WHERE r.serviceid = @ServiceId
   AND r.grainid = @GrainId
$sql$),

-- Ring ranges are (begin, end] on signed int32 hashes (contract §3.3). Orleans runs Rows1 when
-- BeginHash < EndHash: hash > begin AND hash <= end.
('ReadRangeRows1Key', $sql$
SELECT r.grainid, r.remindername, r.starttime, r.period, r.version
  FROM orleansreminderstable r
 WHERE r.serviceid = @ServiceId
   AND r.grainhash > @BeginHash
   AND r.grainhash <= @EndHash
$sql$),

-- ... and Rows2 otherwise (the range wraps; BeginHash = EndHash is the whole ring):
-- hash > begin OR hash <= end.
('ReadRangeRows2Key', $sql$
SELECT r.grainid, r.remindername, r.starttime, r.period, r.version
  FROM orleansreminderstable r
 WHERE r.serviceid = @ServiceId
   AND (r.grainhash > @BeginHash OR r.grainhash <= @EndHash)
$sql$),

('ReadReminderRowKey', $sql$
SELECT r.grainid, r.remindername, r.starttime, r.period, r.version
  FROM orleansreminderstable r
 WHERE r.serviceid = @ServiceId
   AND r.grainid = @GrainId
   AND r.remindername = @ReminderName
$sql$),

-- Unconditional insert-or-update (no etag on input); always one row whose Version is new on
-- every update, so stale etags stop matching. ON CONFLICT DO UPDATE makes a racing double
-- insert an update instead of an error (contract §3.3).
('UpsertReminderRowKey', $sql$
INSERT INTO orleansreminderstable AS r
    (serviceid, grainid, remindername, starttime, period, grainhash, version)
VALUES
    (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (serviceid, grainid, remindername) DO UPDATE
   SET starttime = EXCLUDED.starttime,
       period = EXCLUDED.period,
       grainhash = EXCLUDED.grainhash,
       version = r.version + 1
RETURNING r.version
$sql$),

-- One row, one boolean column: true if the row existed at @Version and was removed.
('DeleteReminderRowKey', $sql$
WITH del AS (
    DELETE FROM orleansreminderstable r
     WHERE r.serviceid = @ServiceId
       AND r.grainid = @GrainId
       AND r.remindername = @ReminderName
       AND r.version = @Version
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM del) AS deleted
$sql$),

-- Used only by TestOnlyClearTable, but required at init (contract §3.1). Result ignored.
('DeleteReminderRowsKey', $sql$
DELETE FROM orleansreminderstable
 WHERE serviceid = @ServiceId
$sql$)

ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;

-- =============================================================================================
-- ASP.NET Core Data Protection keys (not Orleans): the key ring that signs and encrypts the
-- silos' login cookies, shared by every silo of a service (src/ActorAI.Silo/Hosting/
-- PostgresDataProtection.cs). One row per key; application is "ActorAI/<ServiceId>". The XML is
-- the key itself, unencrypted: whoever reads this table can forge cookies.
-- =============================================================================================
CREATE TABLE IF NOT EXISTS actoraidataprotectionkeys
(
    application  text        NOT NULL,
    friendlyname text        NOT NULL,
    xml          text        NOT NULL,
    createdon    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application, friendlyname)
);

COMMIT;
