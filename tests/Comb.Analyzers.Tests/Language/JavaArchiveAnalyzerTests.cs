using System.Security.Cryptography;
using Comb.Analyzers.Language.Java;
using Comb.Testing;

namespace Comb.Analyzers.Tests.Language;

public sealed class JavaArchiveAnalyzerTests
{
    [Fact]
    public async Task Reads_pom_properties_of_the_archive_and_of_nested_libraries()
    {
        var inner = Zips.Create(Zips.PomProperties("org.example", "inner", "2.0.0"));
        var war = Zips.Create(Zips.PomProperties("com.example", "app", "1.0.0"), ("WEB-INF/lib/inner-2.0.0.jar", inner));

        var packages = await AnalyzerTester.For(new JavaArchiveAnalyzer()).WithFile("srv/app-1.0.0.war", war).PackagesAsync();

        var app = Assert.Single(packages, p => p.Name == "com.example:app");
        Assert.Equal("1.0.0", app.Version);
        Assert.Equal("pkg:maven/com.example/app@1.0.0", app.Purl);
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(war)), app.Metadata!["sha1"]);
        var lib = Assert.Single(packages, p => p.Name == "org.example:inner");
        Assert.Equal("srv/app-1.0.0.war/WEB-INF/lib/inner-2.0.0.jar", lib.Path);
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(inner)), lib.Metadata!["sha1"]);
    }

    [Fact]
    public async Task Falls_back_to_the_manifest_then_to_the_file_name()
    {
        var withManifest = Zips.Create(Zips.Text("META-INF/MANIFEST.MF",
            "Manifest-Version: 1.0\r\nImplementation-Vendor-Id: org.acme\r\nImplementation-Title: widget\r\nImplementation-Version: 3.1\r\n"));
        var bare = Zips.Create(Zips.Text("org/acme/Thing.class", "x"));

        var packages = await AnalyzerTester.For(new JavaArchiveAnalyzer())
            .WithFile("opt/a/widget.jar", withManifest)
            .WithFile("opt/b/commons-thing-1.4.2.jar", bare)
            .WithFile("opt/c/noversion.jar", bare)
            .PackagesAsync();

        Assert.Contains(packages, p => p.Name == "org.acme:widget" && p.Version == "3.1");
        Assert.Contains(packages, p => p.Name == "commons-thing" && p.Version == "1.4.2" && p.Purl == "pkg:maven/commons-thing@1.4.2");
        Assert.Equal(2, packages.Count);
    }

    [Fact]
    public async Task A_jar_with_pom_properties_is_that_artifact_and_nothing_else()
    {
        // As a distribution builds it: no version in the file name, an OSGi manifest beside the pom.properties.
        var jar = Zips.Create(Zips.PomProperties("org.slf4j", "slf4j-api", "1.7.36"), Zips.Text("META-INF/MANIFEST.MF",
            "Manifest-Version: 1.0\r\nBundle-SymbolicName: slf4j.api\r\nBundle-Name: slf4j-api\r\nBundle-Version: 1.7.36\r\nImplementation-Title: slf4j-api\r\nImplementation-Version: 1.7.36\r\n"));

        var packages = await AnalyzerTester.For(new JavaArchiveAnalyzer()).WithFile("usr/share/java/slf4j-api.jar", jar).PackagesAsync();

        var only = Assert.Single(packages);
        Assert.Equal("org.slf4j:slf4j-api", only.Name);
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(jar)), only.Metadata!["sha1"]);
    }

    [Fact]
    public async Task A_manifest_display_name_is_never_the_artifact()
    {
        var jar = Zips.Create(Zips.Text("META-INF/MANIFEST.MF",
            "Manifest-Version: 1.0\r\nBundle-SymbolicName: com.google.guava\r\nBundle-Name: Guava: Google Core Libraries for Java\r\nBundle-Version: 31.1.0.jre\r\n"));
        var bundleOnly = Zips.Create(Zips.Text("META-INF/MANIFEST.MF",
            "Manifest-Version: 1.0\r\nBundle-SymbolicName: org.acme.widget;singleton:=true\r\nBundle-Name: The Acme Widget\r\nBundle-Version: 2.0.1\r\n"));

        var packages = await AnalyzerTester.For(new JavaArchiveAnalyzer())
            .WithFile("opt/guava-31.1-jre.jar", jar)
            .WithFile("opt/plugins/widget.jar", bundleOnly)
            .PackagesAsync();

        Assert.Contains(packages, p => p.Name == "com.google.guava:guava" && p.Version == "31.1-jre");
        Assert.Contains(packages, p => p.Name == "org.acme.widget:widget" && p.Version == "2.0.1");
        Assert.All(packages, p => Assert.DoesNotContain(' ', p.Name));
        Assert.Equal(2, packages.Count);
    }

    [Fact]
    public async Task A_truncated_archive_becomes_a_diagnostic_naming_the_file()
    {
        var jar = Zips.Create(Zips.PomProperties("g", "a", "1"));
        var truncated = jar[..(jar.Length / 2)];

        var results = await AnalyzerTester.For(new JavaArchiveAnalyzer()).WithFile("app/broken.jar", truncated).RunAsync();

        var diagnostic = Assert.Single(Assert.Single(results).Diagnostics);
        Assert.Equal("app/broken.jar", diagnostic.Path);
        Assert.Equal("java-archive", diagnostic.Source);
        Assert.Empty(results[0].PackageSets);
    }

    [Fact]
    public async Task A_corrupt_central_directory_becomes_a_diagnostic()
    {
        var jar = Zips.Create(Zips.PomProperties("g", "a", "1"));

        // Point the end-of-central-directory record's offset past the end of the file.
        var eocd = jar.AsSpan().LastIndexOf([(byte)0x50, (byte)0x4B, (byte)0x05, (byte)0x06]);
        Assert.True(eocd > 0);
        BitConverter.TryWriteBytes(jar.AsSpan(eocd + 16, 4), jar.Length + 1000);

        var results = await AnalyzerTester.For(new JavaArchiveAnalyzer()).WithFile("app/bad-cd.jar", jar).RunAsync();

        Assert.Equal("app/bad-cd.jar", Assert.Single(Assert.Single(results).Diagnostics).Path);
    }

    [Fact]
    public async Task A_corrupt_nested_archive_is_reported_and_the_outer_one_still_counts()
    {
        var war = Zips.Create(Zips.PomProperties("com.example", "app", "1.0.0"), ("WEB-INF/lib/bad.jar", [1, 2, 3, 4, 5]));

        var result = Assert.Single(await AnalyzerTester.For(new JavaArchiveAnalyzer()).WithFile("app/app.war", war).RunAsync());

        Assert.Single(result.PackageSets.SelectMany(s => s.Packages), p => p.Name == "com.example:app");
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("bad.jar", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_archive_nested_fifty_deep_stops_at_the_depth_limit_with_a_diagnostic()
    {
        var archive = Zips.Create(Zips.PomProperties("bomb", "level50", "50"));
        for (var level = 49; level >= 1; level--)
        {
            archive = Zips.Create(Zips.PomProperties("bomb", $"level{level}", level.ToString(System.Globalization.CultureInfo.InvariantCulture)), ($"nested{level + 1}.jar", archive));
        }

        var result = Assert.Single(await AnalyzerTester.For(new JavaArchiveAnalyzer()).WithFile("app/bomb.jar", archive).RunAsync(TestContext.Current.CancellationToken));

        var names = result.PackageSets.SelectMany(s => s.Packages).Select(p => p.Name).ToHashSet();
        Assert.Contains("bomb:level1", names);
        Assert.Contains($"bomb:level{JavaArchiveAnalyzer.MaxDepth}", names);
        Assert.DoesNotContain($"bomb:level{JavaArchiveAnalyzer.MaxDepth + 1}", names);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("nested more than", StringComparison.Ordinal) && d.Path == "app/bomb.jar");
    }

    [Fact]
    public async Task A_highly_compressible_nested_entry_is_not_expanded_past_the_budget()
    {
        // 300 MB of zeros compresses to a few hundred KB; the per-archive budget must stop it.
        var huge = new byte[JavaArchiveAnalyzer.MaxNestedArchiveBytes + 1024];
        var war = Zips.Create(Zips.PomProperties("com.example", "app", "1.0.0"), ("WEB-INF/lib/zeros.jar", huge));

        var result = Assert.Single(await AnalyzerTester.For(new JavaArchiveAnalyzer()).WithFile("app/app.war", war).RunAsync(TestContext.Current.CancellationToken));

        Assert.Contains(result.Diagnostics, d => d.Message.Contains("zeros.jar", StringComparison.Ordinal));
        Assert.Single(result.PackageSets.SelectMany(s => s.Packages));
    }
}
