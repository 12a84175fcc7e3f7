using System.Text;
using System.Text.RegularExpressions;

namespace Comb.Server.Registries;

/// <summary>
/// Applies a registry's filters: repository and tag globs, tags to skip, and the newest N tags of each repository.
/// Globs: <c>*</c> matches within one path segment, <c>**</c> across segments, <c>?</c> one character; the whole name must match.
/// </summary>
public sealed class RegistryFilter
{
    private readonly Regex[] _repositories;
    private readonly Regex[] _tags;
    private readonly Regex[] _skip;
    private readonly int? _last;

    public RegistryFilter(RegistryFilters filters)
    {
        _repositories = [.. (filters.Repositories ?? []).Select(Compile)];
        _tags = [.. (filters.Tags ?? []).Select(Compile)];
        _skip = [.. (filters.SkipTags ?? []).Select(Compile)];
        _last = filters.LastTags;
    }

    /// <summary>The error for a filter set that cannot be used, or null.</summary>
    public static string? Validate(RegistryFilters filters)
    {
        if (filters.LastTags is < 1)
        {
            return "lastTags must be 1 or more";
        }

        foreach (var glob in (filters.Repositories ?? []).Concat(filters.Tags ?? []).Concat(filters.SkipTags ?? []))
        {
            if (string.IsNullOrWhiteSpace(glob) || glob.Length > 256)
            {
                return $"'{glob}' is not a usable glob (empty or longer than 256 characters)";
            }
        }

        return null;
    }

    public bool IncludesRepository(string repository) => _repositories.Length == 0 || _repositories.Any(r => r.IsMatch(repository));

    public bool IncludesTag(string tag) => (_tags.Length == 0 || _tags.Any(r => r.IsMatch(tag))) && !_skip.Any(r => r.IsMatch(tag));

    /// <summary>The tags to scan of one repository, newest last.</summary>
    public IReadOnlyList<string> SelectTags(IEnumerable<string> tags)
    {
        var kept = tags.Where(IncludesTag).Distinct(StringComparer.Ordinal).Order(TagOrder.Instance).ToList();
        return _last is { } last && kept.Count > last ? kept[^last..] : kept;
    }

    public static bool Matches(string glob, string text) => Compile(glob).IsMatch(text);

    private static Regex Compile(string glob)
    {
        var pattern = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                pattern.Append(".*");
                i++;
            }
            else if (c == '*')
            {
                pattern.Append("[^/]*");
            }
            else if (c == '?')
            {
                pattern.Append("[^/]");
            }
            else
            {
                pattern.Append(Regex.Escape(c.ToString()));
            }
        }

        return new Regex(pattern.Append('$').ToString(), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
    }
}

/// <summary>
/// Orders tag names as versions where they look like versions: runs of digits compare by value (1.10 after 1.9),
/// everything else ordinally. Registries list tags in name order, which puts 1.10 before 1.9.
/// </summary>
public sealed class TagOrder : IComparer<string>
{
    public static readonly TagOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return string.CompareOrdinal(x, y);
        }

        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var si = i;
                var sj = j;
                while (i < x.Length && char.IsAsciiDigit(x[i]))
                {
                    i++;
                }

                while (j < y.Length && char.IsAsciiDigit(y[j]))
                {
                    j++;
                }

                var a = x[si..i].TrimStart('0');
                var b = y[sj..j].TrimStart('0');
                var byValue = a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
                if (byValue != 0)
                {
                    return byValue;
                }
            }
            else
            {
                if (x[i] != y[j])
                {
                    return x[i].CompareTo(y[j]);
                }

                i++;
                j++;
            }
        }

        var rest = (x.Length - i).CompareTo(y.Length - j);
        return rest != 0 ? rest : string.CompareOrdinal(x, y);
    }
}
