using System.Globalization;
using Comb.Contracts;
using StackExchange.Redis;

namespace Comb.Engine.Cache;

/// <summary>A <c>redis://[user:password@]host[:port][/db]</c> (or <c>rediss://</c> for TLS) cache backend address.</summary>
internal sealed record RedisCacheUrl(ConfigurationOptions Configuration, int Database, string Display)
{
    public static bool IsRedis(string url) =>
        url.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase);

    public static RedisCacheUrl Parse(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !IsRedis(url) || uri.Host.Length == 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new CombInputException($"cache backend '{Redact(url)}' is not redis://host:port[/db]");
        }

        var path = uri.AbsolutePath.Trim('/');
        var database = 0;
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database > 15))
        {
            throw new CombInputException($"cache backend '{Redact(url)}': the database must be a number from 0 to 15, not '{path}'");
        }

        var port = uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port;
        var configuration = new ConfigurationOptions
        {
            Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase),
            DefaultDatabase = database,
            AbortOnConnectFail = true,
            ConnectTimeout = 5_000,
            ClientName = "comb",
        };
        configuration.EndPoints.Add(uri.Host, port);
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            configuration.User = parts.Length == 2 && parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : null;
            configuration.Password = Uri.UnescapeDataString(parts[^1]);
        }

        return new RedisCacheUrl(configuration, database, $"{uri.Scheme}://{uri.Host}:{port}/{database}");
    }

    /// <summary>The address without its password, for messages.</summary>
    private static string Redact(string url)
    {
        var at = url.IndexOf('@', StringComparison.Ordinal);
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        return at > 0 && scheme > 0 && at > scheme ? url[..(scheme + 3)] + "***" + url[at..] : url;
    }
}
