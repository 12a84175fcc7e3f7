using Comb.Testing;

namespace Comb.Analyzers.Tests.Language;

/// <summary>Every analyzer turns broken content into a diagnostic naming the file; the scan goes on.</summary>
public sealed class MalformedInputTests
{
    public static TheoryData<string, string> BrokenFiles() => new()
    {
        { "app/package-lock.json", "{\"lockfileVersion\": 3, \"packages\": {" },
        { "app/node_modules/x/package.json", "{{ not json" },
        { "app/bun.lock", "[1, 2" },
        { "app/pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  a: [unclosed\n" },
        { "app/Pipfile.lock", "{\"default\": " },
        { "app/poetry.lock", "[[package]]\nname = \"x\nversion = 1" },
        { "app/uv.lock", "version = = 1" },
        { "app/pylock.toml", "[[packages]\n" },
        { "app/composer.lock", "<html>" },
        { "app/vendor/composer/installed.json", "{\"packages\": [}" },
        { "app/packages.lock.json", "{]" },
        { "app/bin/App.deps.json", "nope" },
        { "app/packages.config", "<packages><package id=\"a\" version=\"1\"></packages>" },
        { "app/Directory.Packages.props", "<Project><ItemGroup>" },
        { "app/pom.xml", "<project><dependencies>" },
        { "app/build.sbt.lock", "{\"dependencies\": [" },
        { "app/conan.lock", "{" },
        { "opt/conda/conda-meta/x-1.0-0.json", "{" },
        { "app/Package.resolved", "{\"pins\": [" },
        { "app/Podfile.lock", "PODS: [unclosed" },
        { "app/pubspec.lock", "packages:\n  a: {unclosed" },
        { "app/Manifest.toml", "[[deps.A]\n" },
        { "app/go.mod", "this is not a go.mod\n" },
        { "app/yarn.lock", "this is not\na yarn lock" },
        { "app/Cargo.lock", "[[package]]\nsource = \"x\"\n" },
        { "app/lib/broken.jar", "PK\u0003\u0004 definitely not a zip" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public async Task Broken_content_is_a_diagnostic_naming_the_file(string path, string content)
    {
        var tester = AnalyzerTester.For(LanguageAnalyzers.All(), LanguageAnalyzers.Post()).WithFile(path, content);

        var results = await tester.RunAsync(TestContext.Current.CancellationToken);

        Assert.NotEmpty(results);
        Assert.Empty(results.SelectMany(r => r.PackageSets));
        var diagnostic = Assert.Single(results.SelectMany(r => r.Diagnostics));
        Assert.Equal(path, diagnostic.Path);
        Assert.False(string.IsNullOrWhiteSpace(diagnostic.Source));
    }

    [Fact]
    public async Task A_broken_file_does_not_stop_the_next_one()
    {
        var tester = AnalyzerTester.For(LanguageAnalyzers.All(), LanguageAnalyzers.Post())
            .WithFile("a/package-lock.json", "{ broken")
            .WithFile("b/package-lock.json", """{"lockfileVersion": 3, "packages": {"node_modules/ms": {"version": "2.1.3"}}}""");

        var results = await tester.RunAsync(TestContext.Current.CancellationToken);

        Assert.Single(results.SelectMany(r => r.Diagnostics));
        Assert.Equal("ms@2.1.3", Assert.Single(results.SelectMany(r => r.PackageSets).SelectMany(s => s.Packages)) is var p ? $"{p.Name}@{p.Version}" : "");
    }
}
