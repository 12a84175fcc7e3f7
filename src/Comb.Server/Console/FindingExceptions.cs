using Comb.Contracts;
using Comb.Server.Policies;

namespace Comb.Server.WebConsole;

/// <summary>
/// Which live exception covers a vulnerability, judged as the policy evaluator judges exceptions (finding id or alias,
/// package name or purl, image name, all as globs), so the console hides what the next scan with that policy will.
/// </summary>
public sealed class FindingExceptions
{
    private readonly List<(StoredException Exception, Glob? Id, Glob? Package, Glob? Image)> _live;

    public FindingExceptions(IEnumerable<StoredException> exceptions, DateOnly today) =>
        _live = [.. exceptions.Where(e => e.IsLive(today)).Select(e => (e,
            e.Finding is null ? null : new Glob(e.Finding, ignoreCase: true), e.Package is null ? null : new Glob(e.Package), e.Image is null ? null : new Glob(e.Image)))];

    public StoredException? Covering(VulnerabilityFinding v, ImageMetadata image)
    {
        string?[] names = [image.Reference, image.ManifestDigest, image.ConfigDigest, image.Repository is null ? null : (image.Registry is null ? image.Repository : $"{image.Registry}/{image.Repository}")];
        foreach (var (exception, id, package, img) in _live)
        {
            if ((id is null || id.IsMatch(v.Id) || v.Aliases.Any(id.IsMatch))
                && (package is null || package.IsMatch(v.PackageName) || package.IsMatch(v.PackagePurl))
                && (img is null || names.Any(img.IsMatch))
                && (id is not null || package is not null))
            {
                return exception;
            }
        }

        return null;
    }
}
