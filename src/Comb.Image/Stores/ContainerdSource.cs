using Comb.Contracts;
using Comb.Image.Local;
using Comb.Image.Oci;

namespace Comb.Image.Stores;

/// <summary>
/// containerd:NAME[:TAG|@DIGEST] — an image in a containerd content store, read without the daemon:
/// the name's target descriptor comes from the metadata database (bbolt), the manifest, config and
/// layer blobs from the content store, each checked against its digest.
/// </summary>
public sealed class ContainerdSource : IImageSource
{
    public const string Prefix = "containerd:";
    public const string DefaultRoot = "/var/lib/containerd";
    public const string DefaultNamespace = "default";

    public string Kind => "containerd";

    public bool CanOpen(string reference) => reference.StartsWith(Prefix, StringComparison.Ordinal);

    public async Task<IImage> OpenAsync(string reference, ImageOpenOptions options, CancellationToken cancellationToken)
    {
        var wanted = StoreReference.Parse(reference[Prefix.Length..], Prefix);
        var root = Path.GetFullPath(options.ContainerdRoot ?? DefaultRoot);
        var ns = options.ContainerdNamespace ?? DefaultNamespace;
        var images = await ReadImagesAsync(root, ns, cancellationToken).ConfigureAwait(false);
        var matches = images.Where(i => wanted.MatchesName(i.Name) && (wanted.Digest is null || i.Target.Digest == wanted.Digest)).ToList();
        if (matches.Count == 0 && wanted.Name.Length == 0)
        {
            matches = [.. images.Where(i => i.Target.Digest == wanted.Digest)];
        }

        if (matches.Count == 0)
        {
            var known = images.Count == 0 ? "none" : string.Join(", ", images.Select(i => i.Name).Take(10));
            throw new CombInputException($"containerd ({root}, namespace {ns}): no image '{wanted}'; images: {known}", CombErrorKind.NotFound);
        }

        // Several names may point at one target; prefer the one typed exactly.
        var image = matches.FirstOrDefault(m => wanted.Candidates().Contains(m.Name, StringComparer.Ordinal)) ?? matches[0];
        var content = Path.Combine(root, "io.containerd.content.v1.content");
        var store = new DirectoryBlobStore(content);
        var opened = OciLayoutReader.FromDescriptor(store, image.Target, reference, Kind, null, options, depth: 0);
        var repository = StoreReference.RepositoryOf(image.Name);
        var tag = image.Name.Length > repository.Length && image.Name[repository.Length] == ':' ? image.Name[(repository.Length + 1)..] : null;
        return new RenamedImage(opened, opened.Metadata with { Repository = repository, Tag = tag });
    }

    private sealed record StoredImage(string Name, Descriptor Target);

    /// <summary>v1 / NAMESPACE / images / NAME / target { digest, mediatype, size } in meta.db.</summary>
    private static async Task<List<StoredImage>> ReadImagesAsync(string root, string ns, CancellationToken cancellationToken)
    {
        var db = Path.Combine(root, "io.containerd.metadata.v1.bolt", "meta.db");
        if (!Directory.Exists(root))
        {
            throw new CombInputException($"containerd root not found: {root} (use --containerd-root)", CombErrorKind.NotFound);
        }

        var bolt = await BoltReader.OpenAsync(db, cancellationToken).ConfigureAwait(false);
        var v1 = bolt.Root.Bucket("v1") ?? throw new CombInputException($"{db}: no 'v1' bucket; not a containerd metadata database");
        var nsBucket = v1.Bucket(ns)
            ?? throw new CombInputException($"{db}: no namespace '{ns}'; namespaces: {string.Join(", ", v1.Buckets().Select(b => b.Name))} (use --containerd-namespace)", CombErrorKind.NotFound);
        var result = new List<StoredImage>();
        foreach (var (name, bucket) in nsBucket.Bucket("images")?.Buckets() ?? [])
        {
            var target = bucket.Bucket("target");
            var digest = target?.GetText("digest");
            var mediaType = target?.GetText("mediatype");
            if (digest is null || mediaType is null || !StoreReference.IsDigest(digest))
            {
                throw new CombInputException($"{db}: image '{name}' has no valid target descriptor");
            }

            result.Add(new StoredImage(name, new Descriptor { Digest = digest, MediaType = mediaType, Size = ReadVarint(target!.Get("size")) }));
        }

        return result;
    }

    // containerd writes sizes with Go's binary.PutVarint (zig-zag).
    private static long ReadVarint(byte[]? data)
    {
        if (data is null)
        {
            return 0;
        }

        ulong value = 0;
        var shift = 0;
        foreach (var b in data)
        {
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }

            shift += 7;
            if (shift > 63)
            {
                throw new CombInputException("containerd metadata: size varint too long");
            }
        }

        return (long)(value >> 1) ^ -(long)(value & 1);
    }
}

/// <summary>An opened image presented under the name its store keeps.</summary>
internal sealed class RenamedImage(IImage inner, ImageMetadata metadata) : IImage
{
    public ImageMetadata Metadata => metadata;

    public Task<Stream> OpenLayerBlobAsync(LayerDescriptor layer, CancellationToken cancellationToken) => inner.OpenLayerBlobAsync(layer, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
