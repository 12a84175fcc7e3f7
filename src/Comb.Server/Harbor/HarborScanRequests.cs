using System.Text;
using Comb.Contracts;
using Comb.Image.Registry;
using Comb.Server.Scans;

namespace Comb.Server.Harbor;

/// <summary>
/// Turns Harbor's scan request into a Comb scan: the artifact by digest (with its tag for the record) in the registry
/// Harbor names, pulled with the Authorization value Harbor gives (Basic robot credentials or a Bearer token).
/// </summary>
internal static class HarborScanRequests
{
    public const string Trigger = "harbor";

    /// <summary>The scan, or the reason the request's fields cannot be scanned (answered with 422).</summary>
    public static (ScanRequest? Request, string? Problem) ToScanRequest(HarborScanRequest harbor)
    {
        if (harbor.Registry?.Url is not { Length: > 0 } url)
        {
            return (null, "registry.url is required");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var registryUri) || registryUri.Scheme is not ("http" or "https") || registryUri.Authority.Length == 0)
        {
            return (null, $"registry.url '{url}' is not an http(s) URL");
        }

        if (registryUri.AbsolutePath.Trim('/').Length > 0 || registryUri.Query.Length > 0)
        {
            return (null, $"registry.url '{url}' must be the registry's base URL, without a path");
        }

        var artifact = harbor.Artifact;
        if (artifact?.Repository is not { Length: > 0 } repository)
        {
            return (null, "artifact.repository is required");
        }

        if (artifact.Digest is not { Length: > 0 } digest)
        {
            return (null, "artifact.digest is required");
        }

        if (RegistryReference.ValidateDigest(digest) is { } badDigest)
        {
            return (null, $"artifact.digest: {badDigest}");
        }

        if (artifact.MimeType is { Length: > 0 } mime && !HarborMediaTypes.Consumed.Contains(mime, StringComparer.Ordinal))
        {
            return (null, $"artifact.mime_type '{mime}' is not an image manifest Comb scans: use {string.Join(" or ", HarborMediaTypes.Consumed)}");
        }

        var host = registryUri.Authority;
        var tag = artifact.Tag is { Length: > 0 } t ? ":" + t : "";
        var image = $"{host}/{repository}{tag}@{digest}";
        if (!RegistryReference.TryParse(image, out _))
        {
            return (null, $"artifact.repository '{repository}' or artifact.tag '{artifact.Tag}' does not make an image reference");
        }

        var (credential, badAuthorization) = Credential(harbor.Registry.Authorization);
        if (badAuthorization is not null)
        {
            return (null, badAuthorization);
        }

        var request = new ScanRequest
        {
            Image = image,
            Scanners = [Scanners.Vuln],
            InsecureRegistry = registryUri.Scheme == Uri.UriSchemeHttp,
            RegistryCredentials = credential is null ? null : new Dictionary<string, RegistryCredential>(StringComparer.OrdinalIgnoreCase) { [host] = credential },
            Trigger = Trigger,
        };
        return (request, null);
    }

    /// <summary>
    /// Harbor's registry.authorization: "Basic base64(user:password)" (a robot account, exchanged for a token by the
    /// registry's challenge as any Basic credential is) or "Bearer TOKEN" (sent as it is). Absent: anonymous.
    /// </summary>
    internal static (RegistryCredential? Credential, string? Problem) Credential(string? authorization)
    {
        if (string.IsNullOrWhiteSpace(authorization))
        {
            return (null, null);
        }

        var space = authorization.IndexOf(' ', StringComparison.Ordinal);
        var scheme = space < 0 ? authorization : authorization[..space];
        var value = space < 0 ? "" : authorization[(space + 1)..].Trim();
        if (value.Length == 0)
        {
            return (null, "registry.authorization must be 'Basic CREDENTIALS' or 'Bearer TOKEN'");
        }

        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return (new RegistryCredential(RegistryToken: value), null);
        }

        if (!scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return (null, $"registry.authorization: unsupported scheme '{scheme}': use Basic or Bearer");
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value));
        }
        catch (FormatException)
        {
            return (null, "registry.authorization: the Basic credentials are not base64");
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon <= 0
            ? (null, "registry.authorization: the Basic credentials must be user:password")
            : (new RegistryCredential(decoded[..colon], decoded[(colon + 1)..]), null);
    }
}
