using System.Data.Common;

namespace Comb.Contracts;

/// <summary>
/// Turns postgres://user:pass@host:port/db?sslmode=... into an Npgsql connection string. Shared by every part that
/// opens PostgreSQL (the store, the job queue) so one URL means the same server everywhere.
/// </summary>
public static class PostgresUrl
{
    public static bool IsPostgres(string location) =>
        location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    public static string ToConnectionString(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new CombInputException($"invalid PostgreSQL URL '{Redact(url)}': expected postgres://user:password@host:port/database");
        }

        // Npgsql keywords; the driver validates them when the data source is built.
        var builder = new DbConnectionStringBuilder
        {
            ["Host"] = uri.Host,
            ["Port"] = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            ["Database"] = uri.AbsolutePath.Trim('/') is { Length: > 0 } db ? Uri.UnescapeDataString(db) : "postgres",
            ["Maximum Pool Size"] = 20,
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder["Username"] = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder["Password"] = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            if (kv.Length == 2)
            {
                builder[Uri.UnescapeDataString(kv[0]) == "sslmode" ? "SSL Mode" : Uri.UnescapeDataString(kv[0])] = Uri.UnescapeDataString(kv[1]);
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>The URL without its password, for messages.</summary>
    public static string Redact(string url) =>
        System.Text.RegularExpressions.Regex.Replace(url, "(?<=://[^:/@]+:)[^@]*(?=@)", "***");
}
