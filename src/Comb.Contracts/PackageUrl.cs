using System.Text;

namespace Comb.Contracts;

/// <summary>Builds package URLs (purl spec): pkg:type/namespace/name@version?qualifiers#subpath.</summary>
public static class PackageUrl
{
    public static string Create(string type, string? @namespace, string name, string? version,
        IReadOnlyDictionary<string, string>? qualifiers = null, string? subpath = null)
    {
        var sb = new StringBuilder("pkg:").Append(type.ToLowerInvariant()).Append('/');
        if (!string.IsNullOrEmpty(@namespace))
        {
            foreach (var segment in @namespace.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                sb.Append(Encode(segment)).Append('/');
            }
        }

        sb.Append(Encode(name));
        if (!string.IsNullOrEmpty(version))
        {
            sb.Append('@').Append(Encode(version));
        }

        if (qualifiers is { Count: > 0 })
        {
            var first = true;
            foreach (var (key, value) in qualifiers.Where(q => !string.IsNullOrEmpty(q.Value)).OrderBy(q => q.Key, StringComparer.Ordinal))
            {
                sb.Append(first ? '?' : '&').Append(key.ToLowerInvariant()).Append('=').Append(Encode(value));
                first = false;
            }
        }

        if (!string.IsNullOrEmpty(subpath))
        {
            sb.Append('#').Append(string.Join('/', subpath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Encode)));
        }

        return sb.ToString();
    }

    /// <summary>Percent-encodes everything but unreserved characters (and ':' which purl keeps readable).</summary>
    public static string Encode(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or ':')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }
}
