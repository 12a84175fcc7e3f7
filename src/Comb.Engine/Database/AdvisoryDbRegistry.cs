using Comb.Checks.Trust.Signing;
using Comb.Contracts;
using Comb.Image;
using Comb.Image.Registry;
using Comb.VulnDb.Database;

namespace Comb.Engine.Database;

/// <summary>How <c>comb db push</c> and <c>comb db update --repository</c> reach registries.</summary>
public sealed record AdvisoryDbRegistryOptions
{
    public bool Insecure { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }

    /// <summary>Attempts per request for 429 and 5xx before the next repository is tried.</summary>
    public int MaxAttempts { get; init; } = 4;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Push: signs the pushed artifact's digest the way <c>comb sign</c> signs an image (tag sha256-HEX.sig).</summary>
    public SigningKey? SigningKey { get; init; }

    /// <summary>Pull: when any, the artifact must carry a valid signature by one of these keys before it replaces the database.</summary>
    public IReadOnlyList<(string Name, VerificationKey Key)> TrustedKeys { get; init; } = [];
}

/// <summary>
/// Publishes the advisory database to a registry and pulls it back: the layer is checked against the manifest's
/// digest and size while it streams, opened as a database, and only then swapped in over the old file, so a truncated
/// or altered download leaves the database in use untouched. Several repositories are tried in order while the
/// registries answer 429/5xx or break off.
/// </summary>
public sealed class AdvisoryDbRegistry(RegistryCredentialResolver credentials)
{
    public AdvisoryDbRegistry()
        : this(new RegistryCredentialResolver())
    {
    }

    /// <summary>Pushes the database at <paramref name="dbPath"/> as REGISTRY/REPO:TAG; returns the manifest digest.</summary>
    public async Task<string> PushAsync(string dbPath, string reference, AdvisoryDbRegistryOptions options, CancellationToken cancellationToken)
    {
        var target = RegistryReference.Parse(reference);
        if (target.Digest is not null)
        {
            throw new CombInputException($"comb db push needs a tag to publish under, not a digest: {reference}");
        }

        var info = AdvisoryDbInfo.Read(dbPath);
        using var layer = new MemoryStream();
        await AdvisoryDbArtifact.PackAsync(dbPath, layer, cancellationToken).ConfigureAwait(false);
        var bytes = layer.GetBuffer().AsMemory(0, (int)layer.Length);
        var layerDigest = AdvisoryDbArtifact.Digest(bytes.Span);

        using var client = Client(target, options);
        foreach (var (digest, data) in new[] { (layerDigest, bytes), (AdvisoryDbArtifact.Digest(AdvisoryDbArtifact.EmptyConfig), AdvisoryDbArtifact.EmptyConfig.AsMemory()) })
        {
            if (!await client.BlobExistsAsync(target.Repository, digest, cancellationToken).ConfigureAwait(false))
            {
                await client.PushBlobAsync(target.Repository, digest, data, cancellationToken).ConfigureAwait(false);
            }
        }

        var manifest = AdvisoryDbArtifact.Manifest(info, layerDigest, bytes.Length);
        var pushed = await client.PutManifestAsync(target.Repository, target.Tag ?? RegistryReference.DefaultTag, AdvisoryDbArtifact.ManifestMediaType, manifest, cancellationToken)
            .ConfigureAwait(false);
        if (options.SigningKey is { } key)
        {
            // The same cosign-compatible signature comb sign makes: a fleet verifies it with comb verify or db update --key.
            await CosignSignatures.SignAsync(new RegistrySignatureStore(client, target.Repository), $"{target.Registry}/{target.Repository}", pushed, key, null, cancellationToken)
                .ConfigureAwait(false);
        }

        return pushed;
    }

    /// <summary>
    /// Pulls the database from the first of <paramref name="references"/> that answers and swaps it in at
    /// <paramref name="dbPath"/>; returns the reference used and the new database's information.
    /// </summary>
    public async Task<(string Reference, string Digest, AdvisoryDbInfo Info)> PullAsync(
        IReadOnlyList<string> references, string dbPath, AdvisoryDbRegistryOptions options, TextWriter? log, CancellationToken cancellationToken)
    {
        if (references.Count == 0)
        {
            throw new CombInputException("no repository given: --repository REGISTRY/REPO[:TAG]");
        }

        var parsed = references.Select(RegistryReference.Parse).ToList();
        CombInputException? last = null;
        foreach (var (reference, target) in references.Zip(parsed))
        {
            try
            {
                var (digest, info) = await PullOneAsync(target, dbPath, options, cancellationToken).ConfigureAwait(false);
                return (reference, digest, info);
            }
            catch (CombInputException ex) when (ex.Kind == CombErrorKind.UpstreamFailure)
            {
                last = ex;
                log?.WriteLine($"{reference}: {ex.Message}; trying the next repository");
            }
        }

        throw new CombInputException($"no repository gave the advisory database; the database in use is unchanged. Last error: {last!.Message}", last, CombErrorKind.UpstreamFailure);
    }

    private async Task<(string Digest, AdvisoryDbInfo Info)> PullOneAsync(RegistryReference target, string dbPath, AdvisoryDbRegistryOptions options, CancellationToken cancellationToken)
    {
        using var client = Client(target, options);
        var manifest = await client.GetManifestAsync(target.Repository, target.ManifestReference, cancellationToken).ConfigureAwait(false);
        var what = $"{target}";
        var (layerDigest, size) = AdvisoryDbArtifact.Layer(manifest.Content, what);
        await CheckSignatureAsync(client, target, manifest.Digest, options, cancellationToken).ConfigureAwait(false);

        var full = Path.GetFullPath(dbPath);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var scratch = Path.Combine(dir, $".pull-{Guid.NewGuid():N}");
        var layerFile = scratch + ".tar.gz";
        var candidate = scratch + ".db";
        try
        {
            try
            {
                await using var blob = await client.OpenBlobAsync(target.Repository, layerDigest, cancellationToken).ConfigureAwait(false);
                await using var verified = new DigestVerifyingStream(blob, layerDigest, size, $"database layer {target.Registry}/{target.Repository}@{layerDigest}");
                await using var file = File.Create(layerFile);
                await verified.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                throw new CombInputException($"download of the database layer from {what} broke off: {ex.Message}", ex, CombErrorKind.UpstreamFailure);
            }

            await AdvisoryDbArtifact.UnpackAsync(layerFile, candidate, cancellationToken).ConfigureAwait(false);

            // Opening it checks the schema and metadata: a database that cannot be read never replaces one that can.
            var info = AdvisoryDbInfo.Read(candidate);
            File.Move(candidate, full, overwrite: true);
            return (manifest.Digest, info with { Path = full });
        }
        finally
        {
            foreach (var path in new[] { layerFile, candidate })
            {
                File.Delete(path);
            }
        }
    }

    /// <summary>
    /// With trusted keys configured, the manifest digest just read (and whose layer is then verified against it) must
    /// be signed by one of them; anything else is refused before a byte of the database is downloaded.
    /// </summary>
    private static async Task CheckSignatureAsync(RegistryClient client, RegistryReference target, string digest, AdvisoryDbRegistryOptions options, CancellationToken cancellationToken)
    {
        if (options.TrustedKeys.Count == 0)
        {
            return;
        }

        var check = await CosignSignatures.VerifyAsync(new RegistrySignatureStore(client, target.Repository), digest, options.TrustedKeys, cancellationToken).ConfigureAwait(false);
        if (check.Status != SignatureStatuses.Valid)
        {
            throw new CombInputException(
                $"the advisory database {target.Registry}/{target.Repository}@{digest} is refused: signature {check.Status} ({string.Join("; ", check.Details)}); the database in use is unchanged");
        }
    }

    private RegistryClient Client(RegistryReference target, AdvisoryDbRegistryOptions options) => new(target.ApiHost, new RegistryClientOptions
    {
        Insecure = options.Insecure,
        Credentials = credentials.Resolve(target.Registry, new ImageOpenOptions { Username = options.Username, Password = options.Password, InsecureRegistry = options.Insecure }),
        MaxAttempts = options.MaxAttempts,
        RetryBaseDelay = options.RetryBaseDelay,
    });
}
