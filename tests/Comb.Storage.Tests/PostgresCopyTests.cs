namespace Comb.Storage.Tests;

/// <summary>Which inserts go to PostgreSQL as a binary COPY: plain INSERT INTO table (columns), however the columns are laid out.</summary>
public sealed class PostgresCopyTests
{
    [Fact]
    public void Plain_inserts_name_their_table_and_columns_others_do_not()
    {
        Assert.Equal(("scans", "id, created_at, reference, diagnostics"), PostgresCopy.Target("""
            INSERT INTO scans (id, created_at,
                               reference, diagnostics)
            """));
        Assert.Equal(("scan_sets", "scan_id, ordinal, set_digest"), PostgresCopy.Target("INSERT INTO scan_sets (scan_id, ordinal, set_digest)"));
        Assert.Null(PostgresCopy.Target("INSERT INTO scan_repeats (id) SELECT id FROM scans"));
        Assert.Null(PostgresCopy.Target("INSERT INTO t (a, lower(b))"));
    }
}
