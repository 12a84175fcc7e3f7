namespace Comb.VulnDb.Filtering;

/// <summary>A parsed package URL, compared the way OpenVEX products match packages.</summary>
internal sealed record PurlPattern(string Type, string? Namespace, string Name, string? Version, IReadOnlyDictionary<string, string> Qualifiers)
{
    public static PurlPattern? Parse(string? purl)
    {
        if (purl is null || !purl.StartsWith("pkg:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var rest = purl[4..].TrimStart('/');
        var hash = rest.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            rest = rest[..hash];
        }

        var qualifiers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            // Tolerates the "?a=b?c=d" form some feeds publish.
            foreach (var pair in rest[(q + 1)..].Split(['&', '?'], StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    qualifiers[pair[..eq]] = Uri.UnescapeDataString(pair[(eq + 1)..]);
                }
            }

            rest = rest[..q];
        }

        string? version = null;
        var at = rest.LastIndexOf('@');
        if (at > 0 && rest.IndexOf('/', at) < 0)
        {
            version = Uri.UnescapeDataString(rest[(at + 1)..]);
            rest = rest[..at];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return null;
        }

        var type = rest[..slash].ToLowerInvariant();
        var path = rest[(slash + 1)..];
        var lastSlash = path.LastIndexOf('/');
        var ns = lastSlash < 0 ? null : Uri.UnescapeDataString(path[..lastSlash]);
        var name = Uri.UnescapeDataString(lastSlash < 0 ? path : path[(lastSlash + 1)..]);
        return name.Length == 0 ? null : new PurlPattern(type, ns, name, version, qualifiers);
    }

    /// <summary>
    /// This (statement) purl matches <paramref name="other"/> (scanned) when type, namespace and name are equal, the
    /// version is absent or equal, and every qualifier given here has the same value there.
    /// </summary>
    public bool Matches(PurlPattern other)
    {
        if (!string.Equals(Type, other.Type, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(Namespace ?? "", other.Namespace ?? "", StringComparison.OrdinalIgnoreCase)
            || !string.Equals(Name, other.Name, StringComparison.OrdinalIgnoreCase)
            || (Version is not null && !string.Equals(Version, other.Version, StringComparison.Ordinal)))
        {
            return false;
        }

        foreach (var (key, value) in Qualifiers)
        {
            if (!other.Qualifiers.TryGetValue(key, out var theirs) || !string.Equals(value, theirs, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
