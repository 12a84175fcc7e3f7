using Comb.Contracts;
using Npgsql;

namespace Comb.Storage;

/// <summary>Turns postgres://user:pass@host:port/db?sslmode=... into an Npgsql connection string.</summary>
internal static class PostgresUrl
{
    public static string ToConnectionString(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new CombInputException($"invalid PostgreSQL URL '{Redact(url)}': expected postgres://user:password@host:port/database");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } db ? Uri.UnescapeDataString(db) : "postgres",
            MaxPoolSize = 20,
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
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
