using Comb.Analyzers.Language.Java.Maven;
using Comb.Contracts;
using Comb.Testing;

namespace Comb.Analyzers.Tests.Language;

/// <summary>pom.xml resolution across the poms of a layer: parents, properties, BOM imports, modules, the local repository.</summary>
public sealed class MavenPomTests
{
    private static string Pom(string coordinates, string body = "", string? parent = null)
    {
        var parts = coordinates.Split(':');
        var parentXml = parent is null ? "" : $"<parent>{Coordinates(parent)}</parent>";
        var own = string.Join("", new[] { parts[0].Length > 0 ? $"<groupId>{parts[0]}</groupId>" : "", $"<artifactId>{parts[1]}</artifactId>", parts.Length > 2 && parts[2].Length > 0 ? $"<version>{parts[2]}</version>" : "" });
        return $"<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion>{parentXml}{own}{body}</project>";
    }

    private static string Coordinates(string gav)
    {
        var p = gav.Split(':');
        return $"<groupId>{p[0]}</groupId><artifactId>{p[1]}</artifactId>" + (p.Length > 2 ? $"<version>{p[2]}</version>" : "");
    }

    private static string Dep(string gav, string extra = "") => $"<dependency>{Coordinates(gav)}{extra}</dependency>";

    private static string Deps(params string[] deps) => $"<dependencies>{string.Concat(deps)}</dependencies>";

    private static string Repo(string gav) => $"root/.m2/repository/{gav.Split(':')[0].Replace('.', '/')}/{gav.Split(':')[1]}/{gav.Split(':')[2]}/{gav.Split(':')[1]}-{gav.Split(':')[2]}.pom";

    private static async Task<Dictionary<string, Package>> RunAsync(AnalyzerTester tester, string project = "app/pom.xml")
    {
        var results = await tester.RunAsync(TestContext.Current.CancellationToken);
        var set = results.SelectMany(r => r.PackageSets).Single(s => s.FilePath == project);
        return set.Packages.ToDictionary(p => p.Name, StringComparer.Ordinal);
    }

    private static AnalyzerTester Tester() => AnalyzerTester.For([]).WithPost(new PomAnalyzer());

    [Fact]
    public async Task Versions_come_from_properties_inherited_from_a_parent_found_by_relative_path()
    {
        // Given a child whose dependency version is a property the parent in ../parent defines
        var tester = Tester()
            .WithFile("app/parent/pom.xml", Pom("com.acme:parent:1.0.0", "<properties><lib.version>2.5.1</lib.version></properties>"))
            .WithFile("app/pom.xml", Pom(":child", "<parent><groupId>com.acme</groupId><artifactId>parent</artifactId><version>1.0.0</version><relativePath>parent</relativePath></parent>"
                + Deps(Dep("org.lib:lib:${lib.version}"), Dep("com.acme:sibling:${project.version}"))));

        // When the layer is analyzed
        var packages = await RunAsync(tester);

        // Then the child inherits groupId and version, and both properties resolve
        Assert.Equal("1.0.0", packages["com.acme:child"].Version);
        Assert.Equal("root", packages["com.acme:child"].Relationship);
        Assert.Equal("2.5.1", packages["org.lib:lib"].Version);
        Assert.Equal("1.0.0", packages["com.acme:sibling"].Version);
        Assert.Equal("direct", packages["org.lib:lib"].Relationship);
    }

    [Fact]
    public async Task The_default_parent_is_the_pom_one_directory_up_and_its_dependencies_are_inherited()
    {
        var tester = Tester()
            .WithFile("app/pom.xml", Pom("com.acme:parent:3.0.0", "<dependencyManagement>" + Deps(Dep("org.lib:managed:4.2")) + "</dependencyManagement>" + Deps(Dep("org.lib:common:1.1"))))
            .WithFile("app/svc/pom.xml", Pom(":svc", Deps(Dep("org.lib:managed")), parent: "com.acme:parent:3.0.0"));

        var packages = await RunAsync(tester, "app/svc/pom.xml");

        Assert.Equal("3.0.0", packages["com.acme:svc"].Version);
        Assert.Equal("4.2", packages["org.lib:managed"].Version);
        Assert.Equal("1.1", packages["org.lib:common"].Version);
    }

    [Fact]
    public async Task A_parent_and_an_imported_bom_are_found_in_the_local_repository()
    {
        var tester = Tester()
            .WithFile(Repo("org.corp:corp-parent:7"), Pom("org.corp:corp-parent:7", "<properties><jackson.version>2.17.1</jackson.version></properties>"))
            .WithFile(Repo("org.bom:bom:1.0"), Pom("org.bom:bom:1.0", "<dependencyManagement>" + Deps(Dep("org.x:x-core:9.9")) + "</dependencyManagement>"))
            .WithFile("app/pom.xml", Pom("com.acme:app:1.0", "<dependencyManagement>" + Deps(Dep("org.bom:bom:1.0", "<type>pom</type><scope>import</scope>")) + "</dependencyManagement>"
                + Deps(Dep("com.fasterxml:jackson:${jackson.version}"), Dep("org.x:x-core")), parent: "org.corp:corp-parent:7"));

        var packages = await RunAsync(tester);

        Assert.Equal("2.17.1", packages["com.fasterxml:jackson"].Version);
        Assert.Equal("9.9", packages["org.x:x-core"].Version);
        Assert.DoesNotContain("org.bom:bom", packages.Keys);
    }

    [Fact]
    public async Task Transitive_dependencies_follow_maven_rules()
    {
        // Given a project with two dependencies whose poms are in the local repository
        var tester = Tester()
            .WithFile(Repo("org.a:a:1"), Pom("org.a:a:1", Deps(Dep("org.c:c:1"), Dep("org.t:t:1", "<scope>test</scope>"), Dep("org.o:o:1", "<optional>true</optional>"), Dep("org.e:e:1"))))
            .WithFile(Repo("org.b:b:1"), Pom("org.b:b:1", Deps(Dep("org.c:c:2"))))
            .WithFile(Repo("org.c:c:1"), Pom("org.c:c:1", "<licenses><license><name>MIT</name></license></licenses>" + Deps(Dep("org.d:d:1"))))
            .WithFile("app/pom.xml", Pom("com.acme:app:1.0", Deps(
                Dep("org.a:a:1", "<exclusions><exclusion><groupId>org.e</groupId><artifactId>*</artifactId></exclusion></exclusions>"),
                Dep("org.b:b:1"),
                Dep("junit:junit:4.13", "<scope>test</scope>"),
                Dep("javax:servlet:3", "<scope>provided</scope>"))));

        // When resolved
        var packages = await RunAsync(tester);

        // Then the nearest version wins, test/optional/excluded/provided artifacts stay out, test deps are dev
        Assert.Equal("1", packages["org.c:c"].Version);
        Assert.Equal("indirect", packages["org.c:c"].Relationship);
        Assert.Equal(["MIT"], packages["org.c:c"].Licenses);
        Assert.Equal("1", packages["org.d:d"].Version);
        Assert.True(packages["junit:junit"].Dev);
        Assert.False(packages["org.a:a"].Dev);
        Assert.DoesNotContain("org.t:t", packages.Keys);
        Assert.DoesNotContain("org.o:o", packages.Keys);
        Assert.DoesNotContain("org.e:e", packages.Keys);
        Assert.DoesNotContain("javax:servlet", packages.Keys);
        Assert.Equal(["org.c:c@1"], packages["org.a:a"].DependsOn);
    }

    [Fact]
    public async Task The_projects_dependency_management_pins_transitive_versions()
    {
        var tester = Tester()
            .WithFile(Repo("org.a:a:1"), Pom("org.a:a:1", Deps(Dep("org.c:c:1"))))
            .WithFile(Repo("org.c:c:5"), Pom("org.c:c:5", Deps(Dep("org.d:d:5"))))
            .WithFile("app/pom.xml", Pom("com.acme:app:1.0", "<dependencyManagement>" + Deps(Dep("org.c:c:5")) + "</dependencyManagement>" + Deps(Dep("org.a:a:1"))));

        var packages = await RunAsync(tester);

        Assert.Equal("5", packages["org.c:c"].Version);
        Assert.Equal("5", packages["org.d:d"].Version);
    }

    [Fact]
    public async Task Modules_are_reported_with_the_aggregator_as_workspaces()
    {
        var tester = Tester()
            .WithFile("app/pom.xml", Pom("com.acme:root:1.0", "<modules><module>core</module></modules>"))
            .WithFile("app/core/pom.xml", Pom(":core", Deps(Dep("org.lib:lib:2")), parent: "com.acme:root:1.0"));

        var packages = await RunAsync(tester);

        Assert.Equal("workspace", packages["com.acme:core"].Relationship);
        Assert.Equal("1.0", packages["com.acme:core"].Version);
        Assert.Equal("2", packages["org.lib:lib"].Version);
        Assert.Contains("com.acme:core@1.0", packages["com.acme:root"].DependsOn!);
    }

    [Fact]
    public async Task Repository_poms_are_context_not_projects_and_cycles_end()
    {
        var tester = Tester()
            .WithFile(Repo("org.a:a:1"), Pom("org.a:a:1", Deps(Dep("org.a:a:1"))))
            .WithFile("app/pom.xml", Pom(":loop", Deps(Dep("org.a:a:1")), parent: "com.acme:loop:1"));

        var results = await tester.RunAsync(TestContext.Current.CancellationToken);

        var set = Assert.Single(results.SelectMany(r => r.PackageSets));
        Assert.Equal("app/pom.xml", set.FilePath);
        Assert.Contains(set.Packages, p => p.Name == "org.a:a" && p.Version == "1");
    }

    [Fact]
    public async Task Unresolvable_versions_are_kept_empty_and_ranges_name_no_version()
    {
        var tester = Tester().WithFile("app/pom.xml", Pom("com.acme:app:1.0", Deps(Dep("org.a:a:${missing}"), Dep("org.b:b:[1.0,2.0)"), Dep("org.c:c:[3.1]"))));

        var packages = await RunAsync(tester);

        Assert.Equal("", packages["org.a:a"].Version);
        Assert.Equal("", packages["org.b:b"].Version);
        Assert.Equal("3.1", packages["org.c:c"].Version);
    }
}
