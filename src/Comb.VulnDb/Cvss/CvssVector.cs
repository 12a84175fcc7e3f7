namespace Comb.VulnDb.Cvss;

/// <summary>Splits "K:V/K:V" text into metrics, rejecting empty parts, missing ':' and duplicates.</summary>
internal static class CvssVector
{
    public static bool TrySplit(string body, out List<KeyValuePair<string, string>> metrics, out string? error)
    {
        metrics = [];
        error = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in body.Split('/'))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == part.Length - 1)
            {
                error = $"malformed metric '{part}'";
                return false;
            }

            var key = part[..colon];
            if (!seen.Add(key))
            {
                error = $"metric {key} appears twice";
                return false;
            }

            metrics.Add(new(key, part[(colon + 1)..]));
        }

        return true;
    }

    /// <summary>Checks every metric against the allowed values; reports unknown metrics and values.</summary>
    public static bool Validate(IEnumerable<KeyValuePair<string, string>> metrics, IReadOnlyDictionary<string, string[]> allowed, out string? error)
    {
        foreach (var (key, value) in metrics)
        {
            if (!allowed.TryGetValue(key, out var values))
            {
                error = $"unknown metric {key}";
                return false;
            }

            if (!values.Contains(value, StringComparer.Ordinal))
            {
                error = $"invalid value {key}:{value}";
                return false;
            }
        }

        error = null;
        return true;
    }
}
