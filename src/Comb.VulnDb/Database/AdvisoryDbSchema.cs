namespace Comb.VulnDb.Database;

/// <summary>The compiled advisory database layout. Bump <see cref="Version"/> on any change; old files are then rebuilt.</summary>
internal static class AdvisoryDbSchema
{
    public const int Version = 2;

    public const string Create = """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE sources(name TEXT PRIMARY KEY, records INTEGER NOT NULL, newest_modified TEXT);
        CREATE TABLE advisories(
            id TEXT PRIMARY KEY,
            aliases TEXT NOT NULL,
            upstream TEXT NOT NULL,
            related TEXT NOT NULL,
            summary TEXT,
            details TEXT,
            vendor_severity INTEGER NOT NULL,
            vendor_severity_source TEXT,
            bare_score REAL,
            cvss TEXT NOT NULL,
            cwes TEXT NOT NULL,
            refs TEXT NOT NULL,
            published TEXT,
            modified TEXT,
            withdrawn TEXT,
            sources TEXT NOT NULL);
        CREATE TABLE affected(
            advisory_id TEXT NOT NULL,
            ecosystem TEXT NOT NULL,
            name TEXT NOT NULL,
            package_name TEXT NOT NULL,
            purl TEXT,
            status TEXT,
            severity INTEGER NOT NULL,
            ranges TEXT,
            versions TEXT);
        CREATE TABLE aliases(alias TEXT NOT NULL, advisory_id TEXT NOT NULL);
        CREATE TABLE kev(
            cve TEXT PRIMARY KEY,
            vendor TEXT, product TEXT, name TEXT, date_added TEXT, due_date TEXT, required_action TEXT, ransomware TEXT);
        CREATE TABLE published_secrets(value TEXT PRIMARY KEY);
        """;

    /// <summary>Indexes are created after the bulk insert (faster than maintaining them row by row).</summary>
    public const string Indexes = """
        CREATE INDEX affected_lookup ON affected(ecosystem, name);
        CREATE INDEX aliases_lookup ON aliases(alias);
        """;
}
