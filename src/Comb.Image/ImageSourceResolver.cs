using Comb.Contracts;

namespace Comb.Image;

/// <summary>Picks the source that understands a reference: explicit prefixes first, then local files, then a registry.</summary>
public sealed class ImageSourceResolver(IEnumerable<IImageSource> sources)
{
    private readonly IReadOnlyList<IImageSource> _sources = [.. sources];

    public async Task<IImage> OpenAsync(string reference, ImageOpenOptions options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reference))
        {
            throw new CombInputException("empty image reference", CombErrorKind.BadReference);
        }

        // Local kinds are tried before the registry, which accepts anything that parses as a name.
        var ordered = _sources.OrderBy(s => s.Kind == "registry" ? 1 : 0);
        foreach (var source in ordered)
        {
            if (source.CanOpen(reference))
            {
                return await source.OpenAsync(reference, options, cancellationToken).ConfigureAwait(false);
            }
        }

        if (Directory.Exists(reference))
        {
            throw new CombInputException($"'{reference}' is a directory: use oci:{reference} for an OCI layout or rootfs:{reference} for a file tree");
        }

        throw new CombInputException($"cannot understand image reference '{reference}'", CombErrorKind.BadReference);
    }
}
