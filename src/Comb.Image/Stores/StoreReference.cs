using Comb.Contracts;

namespace Comb.Image.Stores;

/// <summary>
/// NAME[:TAG|@DIGEST] as given after "containers-storage:" or "containerd:", matched against the names a store
/// keeps. Stores keep fully qualified names (docker.io/library/x:latest, localhost/x:latest), users type short ones.
/// </summary>
public sealed record StoreReference(string Name, string? Tag, string? Digest)
{
    public static StoreReference Parse(string text, string prefix)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CombInputException($"{prefix}: an image name is required ({prefix}NAME[:TAG|@DIGEST])", CombErrorKind.BadReference);
        }

        string? digest = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = text[(at + 1)..];
            text = text[..at];
            if (!IsDigest(digest))
            {
                throw new CombInputException($"{prefix}: '{digest}' is not a digest (sha256:<64 hex>)", CombErrorKind.BadReference);
            }
        }

        string? tag = null;
        var colon = text.LastIndexOf(':');
        if (colon > text.LastIndexOf('/'))
        {
            tag = text[(colon + 1)..];
            text = text[..colon];
        }

        if (text.Length == 0 && digest is null)
        {
            throw new CombInputException($"{prefix}: an image name is required ({prefix}NAME[:TAG|@DIGEST])", CombErrorKind.BadReference);
        }

        return new StoreReference(text, tag, digest);
    }

    public static bool IsDigest(string text) =>
        text.StartsWith("sha256:", StringComparison.Ordinal) && text.Length == 71 && text[7..].All(char.IsAsciiHexDigitLower);

    /// <summary>The names this reference may be stored under: as typed, then with the registry defaults added.</summary>
    public IEnumerable<string> Candidates()
    {
        var tag = Tag ?? (Digest is null ? "latest" : null);
        foreach (var name in QualifiedNames())
        {
            yield return tag is null ? name : name + ":" + tag;
        }
    }

    /// <summary>Whether a stored "repo:tag" or "repo@digest" name is this reference.</summary>
    public bool MatchesName(string stored)
    {
        if (Candidates().Contains(stored, StringComparer.Ordinal))
        {
            return true;
        }

        // A digest reference matches the repository under any tag; the digest itself is checked by the caller.
        if (Digest is not null && Tag is null)
        {
            var repo = RepositoryOf(stored);
            return QualifiedNames().Contains(repo, StringComparer.Ordinal);
        }

        return false;
    }

    public static string RepositoryOf(string stored)
    {
        var at = stored.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            return stored[..at];
        }

        var colon = stored.LastIndexOf(':');
        return colon > stored.LastIndexOf('/') ? stored[..colon] : stored;
    }

    private IEnumerable<string> QualifiedNames()
    {
        if (Name.Length == 0)
        {
            yield break;
        }

        yield return Name;
        var first = Name.Split('/')[0];
        var hasRegistry = Name.Contains('/', StringComparison.Ordinal) && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost");
        if (!hasRegistry)
        {
            yield return "localhost/" + Name;
            yield return "docker.io/" + (Name.Contains('/', StringComparison.Ordinal) ? Name : "library/" + Name);
        }
    }

    public override string ToString() => Name + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);
}
