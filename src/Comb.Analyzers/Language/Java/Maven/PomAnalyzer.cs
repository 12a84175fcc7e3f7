using Comb.Contracts;

namespace Comb.Analyzers.Language.Java.Maven;

/// <summary>
/// Maven projects (pom.xml) with what other poms of the layer say about them: parents found by relativePath,
/// ../pom.xml or coordinates, properties and dependencyManagement inherited and imported (BOMs), modules, and
/// transitive dependencies from a local repository (".m2/repository") in the layer. Poms in a repository describe
/// downloaded artifacts, so they are read for resolution only and never reported as projects.
/// </summary>
internal sealed class PomAnalyzer : IPostAnalyzer
{
    public string Id => "maven-pom";

    public int Version => 2;

    public bool IsRequired(FileMeta meta)
    {
        if (meta.Kind != FileKind.Regular || meta.Size > 16L * 1024 * 1024 || PathMatch.HasSegment(meta.Path, "META-INF"))
        {
            return false;
        }

        var name = PathMatch.FileName(meta.Path);
        return name == "pom.xml" || (name.EndsWith(".pom", StringComparison.Ordinal) && PomIndex.InRepository(meta.Path));
    }

    public async ValueTask<AnalysisResult> AnalyzeAsync(PostAnalysisInput input, CancellationToken cancellationToken)
    {
        var index = await PomIndex.LoadAsync(input, Id, cancellationToken).ConfigureAwait(false);
        var builder = new EffectivePomBuilder(index);
        var sets = new List<PackageSet>();
        foreach (var file in input.Files.Where(f => PathMatch.FileName(f.Path) == "pom.xml" && !PomIndex.InRepository(f.Path)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var packages = new MavenProjectResolver(builder, new ParseContext(file, Id)).Resolve(file.Path);
            if (packages.Count > 0)
            {
                sets.Add(new PackageSet { FilePath = file.Path, Kind = "pom", Packages = packages });
            }
        }

        return new AnalysisResult { PackageSets = sets, Diagnostics = [.. index.Diagnostics.Where(d => !PomIndex.InRepository(d.Path ?? ""))] };
    }
}
