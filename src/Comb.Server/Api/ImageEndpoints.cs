using Comb.Server.History;
using Comb.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Comb.Server.Api;

/// <summary>/api/v1/images: stored repositories with their images' latest scans, and the digests one image has had.</summary>
internal static class ImageEndpoints
{
    /// <summary>One image (a digest) and its newest stored scan, with that scan's counts.</summary>
    public sealed record ImageEntry(string Digest, string Reference, string? Tag, ScanSummary LatestScan);

    public sealed record RepositoryEntry(string Repository, int ImageCount, DateTimeOffset LatestScanAt, IReadOnlyList<ImageEntry> Images);

    /// <summary>A digest an image reference or repository resolved to, with when it was scanned.</summary>
    public sealed record DigestEntry(string Digest, IReadOnlyList<string> References, int Scans, DateTimeOffset FirstScannedAt, DateTimeOffset LastScannedAt, string LatestScanId);

    public sealed record ImageDigests(string Image, IReadOnlyList<DigestEntry> Digests);

    private const int MaxScansPerImage = 10_000;

    public static void Map(RouteGroupBuilder api)
    {
        var images = api.MapGroup("/images").WithTags("images");
        images.MapGet("/", async (string? repository, ServerStore server, CancellationToken ct) =>
        {
            var store = await server.OpenAsync(ct);
            var latest = await store.LatestPerImageAsync(ct);
            var repositories = latest
                .GroupBy(s => s.Repository ?? s.Reference, StringComparer.Ordinal)
                .Where(g => repository is null || g.Key == repository)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new RepositoryEntry(g.Key, g.Count(), g.Max(s => s.CreatedAt),
                    [.. g.OrderBy(s => s.Reference, StringComparer.Ordinal).ThenBy(s => s.Digest, StringComparer.Ordinal).Select(s => new ImageEntry(s.Digest, s.Reference, s.Tag, s))]))
                .ToList();
            return Results.Ok(repositories);
        })
        .WithName("ListImages").WithSummary("Repositories with each image's latest scan (optionally one repository)")
        .Produces<IReadOnlyList<RepositoryEntry>>();

        images.MapGet("/digests", async (string? image, ServerStore server, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(image))
            {
                return ApiProblems.BadRequest("give the image: ?image=REFERENCE, repository or digest");
            }

            var store = await server.OpenAsync(ct);
            var scans = await store.ListAsync(new HistoryQuery { Image = image, Limit = MaxScansPerImage }, ct);
            if (scans.Count == 0)
            {
                return ApiProblems.NotFound($"no stored scan of '{image}'");
            }

            var digests = scans
                .GroupBy(s => s.Digest, StringComparer.Ordinal)
                .Select(g => new DigestEntry(g.Key, [.. g.Select(s => s.Reference).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], g.Count(),
                    g.Min(s => s.CreatedAt), g.Max(s => s.CreatedAt), g.First().Id))
                .OrderByDescending(d => d.LastScannedAt).ThenBy(d => d.Digest, StringComparer.Ordinal)
                .ToList();
            return Results.Ok(new ImageDigests(image, digests));
        })
        .WithName("ImageDigests").WithSummary("The digests an image reference, repository or digest has had, newest first")
        .Produces<ImageDigests>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
    }
}
