using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Comb.Contracts;
using Comb.Image.Oci;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Comb.Image.Registry;

/// <summary>
/// A client for one registry over the OCI Distribution API v2: manifests, blobs, uploads, tags.
/// Handles authentication (anonymous, Basic, Bearer tokens), redirects (without leaking credentials to other
/// hosts) and HTTPS-then-HTTP in insecure mode; transient failures are retried by the transport's pipeline
/// until a response body is handed out. Errors become <see cref="RegistryException"/> with a clear message.
/// Connections and tokens come from a <see cref="RegistryTransport"/> shared by every client of a host.
/// </summary>
public sealed partial class RegistryClient : IDisposable
{
    private const int MaxRedirects = 5;
    private const int MaxErrorBodyBytes = 64 * 1024;
    private const int MaxConfigBytes = 32 * 1024 * 1024;

    private readonly string _host;
    private readonly RegistryClientOptions _options;
    private readonly RegistryTransport? _ownedTransport;
    private readonly RegistryTransport _transport;
    private readonly HttpClient _http;
    private readonly RegistryAuthenticator _auth;
    private readonly ILogger _logger;
    private volatile string? _scheme;

    /// <param name="apiHost">host[:port] serving <c>/v2/</c> (for Docker Hub: <c>registry-1.docker.io</c>).</param>
    /// <param name="transport">the host's shared transport; without one the client makes (and disposes) its own.</param>
    public RegistryClient(string apiHost, RegistryClientOptions options, RegistryTransport? transport = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(apiHost);
        _host = apiHost;
        _options = options;
        _logger = options.Logger ?? NullLogger.Instance;
        if (transport is null)
        {
            _ownedTransport = RegistryTransport.CreateStandalone();
            transport = _ownedTransport;
        }

        _transport = transport;
        _scheme = options.Insecure ? transport.InsecureScheme(apiHost) : Uri.UriSchemeHttps;

        _http = transport.Client(options.Insecure);
        _auth = new RegistryAuthenticator(
            (request, ct) => SendOneAsync(request, "token request to " + request.RequestUri!.GetLeftPart(UriPartial.Path), HttpCompletionOption.ResponseContentRead, ct),
            options.Credentials,
            apiHost,
            transport.Auth.For(apiHost, options.Credentials));
    }

    public string Host => _host;

    public void Dispose() => _ownedTransport?.Dispose();

    public static string PullScope(string repository) => $"repository:{repository}:pull";

    public static string PushScope(string repository) => $"repository:{repository}:pull,push";

    /// <summary>GETs a manifest or index and checks its digest (against <paramref name="reference"/> when it is a digest).</summary>
    public async Task<ManifestResponse> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        var request = ManifestRequest(HttpMethod.Get, repository, reference);
        using var response = await SendCheckedAsync(request, cancellationToken).ConfigureAwait(false);
        var content = await ReadBoundedAsync(response, _options.MaxManifestBytes, request.What, cancellationToken).ConfigureAwait(false);
        var digest = ComputeAndCheckDigest(content, reference, response, request.What);
        var mediaType = ManifestMediaType(content, MediaTypes.Normalize(response.Content.Headers.ContentType?.MediaType), request.What);
        return new ManifestResponse { Content = content, Digest = digest, MediaType = mediaType };
    }

    /// <summary>HEADs a manifest: digest and media type without downloading it (and without counting as a pull on Docker Hub).</summary>
    public async Task<ManifestHead> HeadManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        using var response = await SendCheckedAsync(ManifestRequest(HttpMethod.Head, repository, reference), cancellationToken).ConfigureAwait(false);
        var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
        return new ManifestHead(digest, MediaTypes.Normalize(response.Content.Headers.ContentType?.MediaType), response.Content.Headers.ContentLength);
    }

    /// <summary>
    /// Opens a blob for streaming, following redirects. The bytes are NOT verified here; wrap the stream in a
    /// <see cref="DigestVerifyingStream"/> (as <see cref="GetVerifiedBlobAsync"/> and the image source do).
    /// </summary>
    public async Task<Stream> OpenBlobAsync(string repository, string digest, CancellationToken cancellationToken)
    {
        var response = await SendCheckedAsync(BlobRequest(HttpMethod.Get, repository, digest), cancellationToken).ConfigureAwait(false);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new ResponseStream(response, body);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Downloads a small blob (a config) whole, verifying its digest and size.</summary>
    public async Task<byte[]> GetVerifiedBlobAsync(string repository, string digest, long expectedSize, CancellationToken cancellationToken)
    {
        if (expectedSize > MaxConfigBytes)
        {
            throw new RegistryException($"blob {_host}/{repository}@{digest} declares {expectedSize} bytes, more than the {MaxConfigBytes} allowed for a config", kind: CombErrorKind.LimitExceeded);
        }

        var blob = await OpenBlobAsync(repository, digest, cancellationToken).ConfigureAwait(false);
        await using var verified = new DigestVerifyingStream(blob, digest, expectedSize, $"blob {_host}/{repository}@{digest}");
        using var buffer = new MemoryStream();
        await verified.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    public async Task<bool> BlobExistsAsync(string repository, string digest, CancellationToken cancellationToken)
    {
        var request = BlobRequest(HttpMethod.Head, repository, digest);
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, request, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Uploads a blob in one request after opening an upload session (POST, then PUT with the digest).</summary>
    public async Task PushBlobAsync(string repository, string digest, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        CheckDigest(digest);
        var location = await StartUploadAsync(repository, digest, cancellationToken).ConfigureAwait(false);
        await FinishUploadAsync(repository, digest, location.Uri, data, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Uploads a blob in chunks: PATCH with Content-Range for each, following the latest Location, then PUT with the digest.</summary>
    public async Task PushBlobChunkedAsync(string repository, string digest, ReadOnlyMemory<byte> data, int chunkSize, CancellationToken cancellationToken)
    {
        CheckDigest(digest);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        var (location, minChunk) = await StartUploadAsync(repository, digest, cancellationToken).ConfigureAwait(false);
        chunkSize = Math.Max(chunkSize, minChunk);
        var what = $"chunked upload of {digest} to {_host}/{repository}";
        for (var offset = 0; offset < data.Length; offset += chunkSize)
        {
            var chunk = data.Slice(offset, Math.Min(chunkSize, data.Length - offset));
            var start = offset;
            using var response = await SendCheckedAsync(new RegistryRequest
            {
                Method = HttpMethod.Patch,
                Absolute = location,
                Scope = PushScope(repository),
                What = what,
                Kind = ResourceKind.Upload,
                Content = () => OctetStream(chunk, $"{start}-{start + chunk.Length - 1}"),
            }, cancellationToken).ConfigureAwait(false);
            location = ResolveLocation(response, location, what);
        }

        await FinishUploadAsync(repository, digest, location, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>PUTs a manifest (or index) under a tag or digest; returns its digest.</summary>
    public async Task<string> PutManifestAsync(string repository, string reference, string mediaType, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var what = $"manifest {_host}/{repository}{Separator(reference)}{reference}";
        using var response = await SendCheckedAsync(new RegistryRequest
        {
            Method = HttpMethod.Put,
            Path = $"/v2/{repository}/manifests/{reference}",
            Scope = PushScope(repository),
            What = what,
            Kind = ResourceKind.Manifest,
            Content = () =>
            {
                var body = new ReadOnlyMemoryContent(content);
                body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                return body;
            },
        }, cancellationToken).ConfigureAwait(false);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content.Span));
    }

    /// <summary>Lists a repository's tags, following <c>Link: rel="next"</c> pages.</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken cancellationToken)
    {
        var what = $"tags of {_host}/{repository}";
        var tags = new List<string>();
        Uri? next = null;
        var path = $"/v2/{repository}/tags/list";
        for (var page = 0; page < 10_000; page++)
        {
            using var response = await SendCheckedAsync(new RegistryRequest
            {
                Method = HttpMethod.Get,
                Path = next is null ? path : null,
                Absolute = next,
                Scope = PullScope(repository),
                What = what,
                Kind = ResourceKind.Repository,
            }, cancellationToken).ConfigureAwait(false);
            var body = await ReadBoundedAsync(response, _options.MaxManifestBytes, what, cancellationToken).ConfigureAwait(false);
            try
            {
                tags.AddRange(JsonSerializer.Deserialize(body, RegistryJsonContext.Default.TagList)?.Tags ?? []);
            }
            catch (JsonException ex)
            {
                throw new RegistryException($"{what}: the registry answered with something that is not a JSON tag list", inner: ex);
            }

            next = NextLink(response);
            if (next is null)
            {
                break;
            }
        }

        return tags;
    }

    private async Task<(Uri Uri, int MinChunk)> StartUploadAsync(string repository, string digest, CancellationToken cancellationToken)
    {
        var what = $"upload of {digest} to {_host}/{repository}";
        using var response = await SendCheckedAsync(new RegistryRequest
        {
            Method = HttpMethod.Post,
            Path = $"/v2/{repository}/blobs/uploads/",
            Scope = PushScope(repository),
            What = what,
            Kind = ResourceKind.Upload,
            Content = () => new ByteArrayContent([]),
        }, cancellationToken).ConfigureAwait(false);
        var minChunk = response.Headers.TryGetValues("OCI-Chunk-Min-Length", out var values) && int.TryParse(values.FirstOrDefault(), out var min) ? min : 1;
        return (ResolveLocation(response, BaseUri(), what), minChunk);
    }

    private async Task FinishUploadAsync(string repository, string digest, Uri location, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var what = $"upload of {digest} to {_host}/{repository}";
        var separator = string.IsNullOrEmpty(location.Query) ? "?" : "&";
        var target = new Uri(location + separator + "digest=" + Uri.EscapeDataString(digest));
        using var response = await SendCheckedAsync(new RegistryRequest
        {
            Method = HttpMethod.Put,
            Absolute = target,
            Scope = PushScope(repository),
            What = what,
            Kind = ResourceKind.Upload,
            Content = () => OctetStream(data, null),
        }, cancellationToken).ConfigureAwait(false);
    }

    private RegistryRequest ManifestRequest(HttpMethod method, string repository, string reference) => new()
    {
        Method = method,
        Path = $"/v2/{repository}/manifests/{reference}",
        Scope = PullScope(repository),
        Accept = MediaTypes.AcceptedManifests,
        What = $"manifest {_host}/{repository}{Separator(reference)}{reference}",
        Kind = ResourceKind.Manifest,
    };

    private RegistryRequest BlobRequest(HttpMethod method, string repository, string digest)
    {
        CheckDigest(digest);
        return new()
        {
            Method = method,
            Path = $"/v2/{repository}/blobs/{digest}",
            Scope = PullScope(repository),
            What = $"blob {_host}/{repository}@{digest}",
            Kind = ResourceKind.Blob,
        };
    }

    private static ReadOnlyMemoryContent OctetStream(ReadOnlyMemory<byte> data, string? contentRange)
    {
        var content = new ReadOnlyMemoryContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = data.Length;
        if (contentRange is not null)
        {
            // Distribution's Content-Range for uploads is the bare "start-end", not the RFC 9110 "bytes start-end/total".
            content.Headers.TryAddWithoutValidation("Content-Range", contentRange);
        }

        return content;
    }

    private Uri ResolveLocation(HttpResponseMessage response, Uri current, string what)
    {
        var location = response.Headers.Location
            ?? throw new RegistryException($"{what}: the registry answered {(int)response.StatusCode} without a Location header");
        return location.IsAbsoluteUri ? location : new Uri(current, location);
    }

    private static Uri? NextLink(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }

        foreach (var link in links.SelectMany(l => l.Split(',')))
        {
            var open = link.IndexOf('<', StringComparison.Ordinal);
            var close = link.IndexOf('>', StringComparison.Ordinal);
            if (open >= 0 && close > open && link.Contains("rel=\"next\"", StringComparison.OrdinalIgnoreCase))
            {
                var target = link[(open + 1)..close];
                var request = response.RequestMessage?.RequestUri;
                return Uri.TryCreate(target, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal)
                    ? absolute
                    : request is null ? null : new Uri(request, target);
            }
        }

        return null;
    }

    private static string Separator(string reference) => reference.Contains(':', StringComparison.Ordinal) ? "@" : ":";

    private static void CheckDigest(string digest)
    {
        if (RegistryReference.ValidateDigest(digest) is { } problem)
        {
            throw new CombInputException($"Invalid digest: {problem}", CombErrorKind.BadReference);
        }
    }

    private static string ComputeAndCheckDigest(byte[] content, string reference, HttpResponseMessage response, string what)
    {
        var pinned = reference.Contains(':', StringComparison.Ordinal) ? reference : null;
        var algorithm = pinned is null ? HashAlgorithmName.SHA256 : DigestVerifyingStream.AlgorithmOf(pinned);
        var prefix = algorithm == HashAlgorithmName.SHA512 ? "sha512:" : "sha256:";
        var actual = prefix + Convert.ToHexStringLower(algorithm == HashAlgorithmName.SHA512 ? SHA512.HashData(content) : SHA256.HashData(content));
        if (pinned is not null && !string.Equals(actual, pinned, StringComparison.Ordinal))
        {
            throw new RegistryException($"{what}: digest mismatch: the registry sent content with digest {actual}");
        }

        var announced = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
        if (announced is not null && announced.StartsWith(prefix, StringComparison.Ordinal) && !string.Equals(announced, actual, StringComparison.Ordinal))
        {
            throw new RegistryException($"{what}: digest mismatch: Docker-Content-Digest says {announced} but the content hashes to {actual}");
        }

        return actual;
    }

    /// <summary>The manifest's media type from Content-Type, cross-checked with the body's own mediaType field.</summary>
    private static string ManifestMediaType(byte[] content, string contentType, string what)
    {
        MediaTypeProbe? probe;
        try
        {
            probe = JsonSerializer.Deserialize(content, RegistryJsonContext.Default.MediaTypeProbe);
        }
        catch (JsonException ex)
        {
            throw new RegistryException(
                $"{what}: the registry answered with something that is not a JSON manifest (Content-Type '{contentType}', {content.Length} bytes)",
                inner: ex);
        }

        if (probe is null)
        {
            throw new RegistryException($"{what}: the manifest is JSON null");
        }

        var declared = MediaTypes.Normalize(probe.MediaType);
        if (contentType is MediaTypes.DockerSchema1 or MediaTypes.DockerSchema1Signed || declared is MediaTypes.DockerSchema1 or MediaTypes.DockerSchema1Signed || probe.SchemaVersion == 1)
        {
            throw new RegistryException($"{what}: Docker schema 1 manifests are deprecated and not supported; push the image again with a current client");
        }

        var generic = contentType is "" or "application/json" or "text/plain" or "application/octet-stream";
        if (!generic)
        {
            if (declared.Length > 0 && declared != contentType)
            {
                throw new RegistryException($"{what}: Content-Type '{contentType}' does not match the manifest's mediaType '{declared}'");
            }

            return contentType;
        }

        if (declared.Length > 0)
        {
            return declared;
        }

        // OCI manifests may omit mediaType; tell an index from a manifest by its fields.
        return probe.Manifests is not null ? MediaTypes.OciIndex : probe.Config is not null ? MediaTypes.OciManifest : contentType;
    }

    private async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, int limit, string what, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is { } declared && declared > limit)
        {
            throw new RegistryException($"{what}: {declared} bytes is more than the {limit} allowed", kind: CombErrorKind.LimitExceeded);
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > limit)
            {
                throw new RegistryException($"{what}: more than the {limit} bytes allowed", kind: CombErrorKind.LimitExceeded);
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    private Uri BaseUri() => new($"{_scheme ?? Uri.UriSchemeHttps}://{_host}/");
}
