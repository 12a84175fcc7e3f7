using System.Text.RegularExpressions;
using Comb.Contracts;

namespace Comb.Image.Registry;

/// <summary>
/// A parsed registry image reference, normalised the way Docker does it:
/// <c>alpine:3.20</c> is <c>docker.io/library/alpine:3.20</c>, a missing tag and digest means <c>latest</c>,
/// and a reference with both a tag and a digest is pulled by digest.
/// </summary>
public sealed partial record RegistryReference
{
    public const string DockerHub = "docker.io";
    public const string DockerHubApiHost = "registry-1.docker.io";
    public const string DefaultTag = "latest";
    private const int MaxNameLength = 255;

    /// <summary>The reference exactly as given.</summary>
    public required string Original { get; init; }

    /// <summary>Registry as users name it: <c>docker.io</c>, <c>127.0.0.1:5000</c>, <c>ghcr.io</c>.</summary>
    public required string Registry { get; init; }

    /// <summary>Repository path inside the registry, e.g. <c>library/alpine</c>.</summary>
    public required string Repository { get; init; }

    /// <summary>The tag; <c>latest</c> when neither a tag nor a digest was given; null for a bare digest reference.</summary>
    public string? Tag { get; init; }

    /// <summary>The pinned manifest digest (<c>sha256:...</c>), when given.</summary>
    public string? Digest { get; init; }

    /// <summary>Host[:port] the Distribution API is served from (Docker Hub's differs from its name).</summary>
    public string ApiHost => Registry == DockerHub ? DockerHubApiHost : Registry;

    /// <summary>What to ask the manifests endpoint for: the digest when pinned, else the tag.</summary>
    public string ManifestReference => Digest ?? Tag ?? DefaultTag;

    public override string ToString() =>
        $"{Registry}/{Repository}{(Tag is null ? string.Empty : ":" + Tag)}{(Digest is null ? string.Empty : "@" + Digest)}";

    public static bool TryParse(string? reference, out RegistryReference? parsed)
    {
        parsed = null;
        if (reference is null || TryParseCore(reference, out var result) is not null)
        {
            return false;
        }

        parsed = result;
        return true;
    }

    /// <summary>Parses a reference; throws <see cref="CombInputException"/> saying what is wrong with it.</summary>
    public static RegistryReference Parse(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var error = TryParseCore(reference, out var result);
        if (error is not null)
        {
            throw new CombInputException($"Invalid image reference '{reference}': {error}", CombErrorKind.BadReference);
        }

        return result!;
    }

    /// <summary>Checks a digest string (<c>sha256:</c> + 64 hex, or <c>sha512:</c> + 128 hex); returns the problem or null.</summary>
    public static string? ValidateDigest(string digest)
    {
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return $"digest '{digest}' must look like sha256:<64 hex digits>";
        }

        var algorithm = digest[..colon];
        var encoded = digest[(colon + 1)..];
        var expectedLength = algorithm switch
        {
            "sha256" => 64,
            "sha512" => 128,
            _ => 0,
        };
        if (expectedLength == 0)
        {
            return AlgorithmPattern().IsMatch(algorithm)
                ? $"digest algorithm '{algorithm}' is not supported (sha256 or sha512)"
                : $"digest '{digest}' has an invalid algorithm";
        }

        if (encoded.Length != expectedLength || !LowerHex().IsMatch(encoded))
        {
            return $"digest '{digest}' must have {expectedLength} lowercase hex digits after '{algorithm}:'";
        }

        return null;
    }

    private static string? TryParseCore(string reference, out RegistryReference? result)
    {
        result = null;
        var text = reference.Trim();
        if (text.Length == 0)
        {
            return "it is empty";
        }

        if (text.Any(char.IsWhiteSpace))
        {
            return "it contains whitespace";
        }

        if (text.StartsWith("docker://", StringComparison.Ordinal))
        {
            text = text["docker://".Length..];
        }

        string? digest = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = text[(at + 1)..];
            text = text[..at];
            if (ValidateDigest(digest) is { } digestError)
            {
                return digestError;
            }
        }

        string? tag = null;
        var lastColon = text.LastIndexOf(':');
        var lastSlash = text.LastIndexOf('/');
        if (lastColon > lastSlash)
        {
            tag = text[(lastColon + 1)..];
            text = text[..lastColon];
            if (!TagPattern().IsMatch(tag))
            {
                return tag.Length == 0 ? "the tag after ':' is empty" : $"tag '{tag}' is not valid (letters, digits, '_', '.', '-'; at most 128)";
            }
        }

        if (text.Length == 0)
        {
            return "the repository name is empty";
        }

        var (registry, path) = SplitRegistry(text);
        if (registry is not null && !HostPattern().IsMatch(registry))
        {
            return $"registry host '{registry}' is not valid";
        }

        if (path.Length == 0)
        {
            return "the repository name is empty";
        }

        registry ??= DockerHub;
        if (registry == "index.docker.io")
        {
            registry = DockerHub;
        }

        foreach (var component in path.Split('/'))
        {
            if (component.Length == 0)
            {
                return "the repository name has an empty path component";
            }

            if (!ComponentPattern().IsMatch(component))
            {
                return component.Any(char.IsUpper)
                    ? $"repository name must be lowercase ('{component}')"
                    : $"repository path component '{component}' is not valid (lowercase letters, digits and single '.', '_', '__' or '-' separators)";
            }
        }

        if (registry == DockerHub && !path.Contains('/', StringComparison.Ordinal))
        {
            path = "library/" + path;
        }

        if (registry.Length + 1 + path.Length > MaxNameLength)
        {
            return $"the name is longer than {MaxNameLength} characters";
        }

        result = new RegistryReference
        {
            Original = reference,
            Registry = registry,
            Repository = path,
            Tag = tag ?? (digest is null ? DefaultTag : null),
            Digest = digest,
        };
        return null;
    }

    /// <summary>The first component is a registry host when it has a '.', a ':', is 'localhost' or has uppercase letters (Docker's rule).</summary>
    private static (string? Registry, string Path) SplitRegistry(string name)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return (null, name);
        }

        var first = name[..slash];
        var isHost = first.Contains('.', StringComparison.Ordinal)
            || first.Contains(':', StringComparison.Ordinal)
            || first == "localhost"
            || first.Any(char.IsUpper);
        return isHost ? (first, name[(slash + 1)..]) : (null, name);
    }

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex ComponentPattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    // A DNS name or IPv4 address, or a bracketed IPv6 address, with an optional port.
    [GeneratedRegex(@"^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?))*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$", RegexOptions.CultureInvariant)]
    private static partial Regex HostPattern();

    [GeneratedRegex("^[a-z0-9]+(?:[+._-][a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex AlgorithmPattern();

    [GeneratedRegex("^[a-f0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex LowerHex();
}
