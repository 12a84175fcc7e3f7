using System.Text;
using Comb.Analyzers.Language.DotNet;
using Comb.Analyzers.Language.Go;
using Comb.Analyzers.Language.Npm;
using Comb.Analyzers.Language.Python;
using Comb.Contracts;
using Comb.Testing;

namespace Comb.Analyzers.Tests.Language;

public sealed class NpmAnalyzerTests
{
    [Fact]
    public async Task Package_lock_v3_resolves_nested_installs_dev_flags_and_workspace_links()
    {
        const string lockFile = """
        {
          "name": "shop", "version": "1.0.0", "lockfileVersion": 3,
          "packages": {
            "": { "name": "shop", "version": "1.0.0", "dependencies": { "debug": "^2" }, "devDependencies": { "jest": "^29" }, "workspaces": ["libs/*"] },
            "libs/util": { "name": "util", "version": "0.3.0" },
            "node_modules/util": { "resolved": "libs/util", "link": true },
            "node_modules/debug": { "version": "2.6.9", "license": "MIT", "dependencies": { "ms": "2.0.0" } },
            "node_modules/debug/node_modules/ms": { "version": "2.0.0" },
            "node_modules/ms": { "version": "2.1.3" },
            "node_modules/@jest/core": { "version": "29.0.0", "dev": true, "dependencies": { "ms": "^2.1" } },
            "node_modules/jest": { "version": "29.0.0", "dev": true }
          }
        }
        """;

        var packages = await AnalyzerTester.For([]).WithPost(new PackageLockAnalyzer()).WithFile("srv/shop/package-lock.json", lockFile).PackagesAsync();

        var byId = packages.ToDictionary(p => $"{p.Name}@{p.Version}");
        Assert.Equal(["@jest/core@29.0.0", "debug@2.6.9", "jest@29.0.0", "ms@2.0.0", "ms@2.1.3", "shop@1.0.0", "util@0.3.0"], byId.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("root", byId["shop@1.0.0"].Relationship);
        Assert.Equal("workspace", byId["util@0.3.0"].Relationship);
        Assert.Equal("direct", byId["debug@2.6.9"].Relationship);
        Assert.Equal(["ms@2.0.0"], byId["debug@2.6.9"].DependsOn!);
        Assert.Equal(["ms@2.1.3"], byId["@jest/core@29.0.0"].DependsOn!);
        Assert.True(byId["jest@29.0.0"].Dev);
        Assert.False(byId["debug@2.6.9"].Dev);
        Assert.Equal(["MIT"], byId["debug@2.6.9"].Licenses!);
        Assert.Equal("pkg:npm/%40jest/core@29.0.0", byId["@jest/core@29.0.0"].Purl);
        Assert.All(packages, p => Assert.Equal("srv/shop/package-lock.json", p.Path));
        Assert.All(packages, p => Assert.Equal("npm-package-lock", p.FoundBy));
    }

    [Fact]
    public async Task Yarn_berry_aliases_resolve_to_the_real_package_and_workspaces_are_skipped()
    {
        const string lockFile = """
        __metadata:
          version: 6

        "app@workspace:.":
          version: 0.0.0-use.local
          resolution: "app@workspace:."
          dependencies:
            my-ms: "npm:ms@2.1.3"

        "my-ms@npm:ms@2.1.3":
          version: 2.1.3
          resolution: "ms@npm:2.1.3"
          languageName: node
          linkType: hard
        """;

        var packages = await AnalyzerTester.For([]).WithPost(new YarnLockAnalyzer()).WithFile("app/yarn.lock", lockFile).PackagesAsync();

        var ms = Assert.Single(packages);
        Assert.Equal(("ms", "2.1.3"), (ms.Name, ms.Version));
    }

    [Fact]
    public async Task Package_lock_v1_takes_direct_dependencies_from_its_package_json()
    {
        const string lockFile = """
        {"name":"app","version":"1.0.0","lockfileVersion":1,"dependencies":{
          "debug":{"version":"2.6.9","requires":{"ms":"2.0.0"}},
          "ms":{"version":"2.0.0"},
          "jest":{"version":"29.0.0","dev":true}}}
        """;
        var tester = AnalyzerTester.For([]).WithPost(new PackageLockAnalyzer())
            .WithFile("app/package-lock.json", lockFile)
            .WithFile("app/package.json", """{"name":"app","dependencies":{"debug":"^2.6.0"},"devDependencies":{"jest":"^29.0.0"}}""");

        var byName = (await tester.PackagesAsync(TestContext.Current.CancellationToken)).ToDictionary(p => p.Name);

        Assert.Equal(("direct", false), (byName["debug"].Relationship, byName["debug"].Dev));
        Assert.Equal(("indirect", false), (byName["ms"].Relationship, byName["ms"].Dev));
        Assert.Equal(("direct", true), (byName["jest"].Relationship, byName["jest"].Dev));
    }

    [Fact]
    public async Task Yarn_lock_with_its_package_json_marks_direct_and_dev_only_packages()
    {
        // Given a classic yarn.lock and the package.json beside it (one workspace adding a dependency)
        const string lockFile = """
        # yarn lockfile v1

        debug@^4.3.0:
          version "4.3.4"
          dependencies:
            ms "2.1.2"

        ms@2.1.2:
          version "2.1.2"

        jest@^29.0.0:
          version "29.7.0"
          dependencies:
            ms "2.1.2"
            pretty "^1.0.0"

        pretty@^1.0.0:
          version "1.0.1"

        left-pad@^1.3.0:
          version "1.3.0"
        """;
        var tester = AnalyzerTester.For([]).WithPost(new YarnLockAnalyzer())
            .WithFile("app/yarn.lock", lockFile)
            .WithFile("app/package.json", """{"name":"app","workspaces":["packages/*"],"dependencies":{"debug":"^4.3.0"},"devDependencies":{"jest":"^29.0.0"}}""")
            .WithFile("app/packages/util/package.json", """{"name":"util","dependencies":{"left-pad":"^1.3.0"}}""");

        // When analyzed together
        var byName = (await tester.PackagesAsync(TestContext.Current.CancellationToken)).ToDictionary(p => p.Name);

        // Then production reach wins over dev reach, and the manifest's own dependencies are direct
        Assert.Equal(("direct", false), (byName["debug"].Relationship, byName["debug"].Dev));
        Assert.Equal(("indirect", false), (byName["ms"].Relationship, byName["ms"].Dev));
        Assert.Equal(("direct", true), (byName["jest"].Relationship, byName["jest"].Dev));
        Assert.Equal(("indirect", true), (byName["pretty"].Relationship, byName["pretty"].Dev));
        Assert.Equal(("direct", false), (byName["left-pad"].Relationship, byName["left-pad"].Dev));
    }

    [Fact]
    public async Task Pnpm_v9_marks_packages_only_reachable_from_dev_dependencies()
    {
        const string lockFile = """
        lockfileVersion: '9.0'
        importers:
          .:
            dependencies:
              a:
                specifier: ^1.0.0
                version: 1.0.0
            devDependencies:
              t:
                specifier: ^2.0.0
                version: 2.0.0(a@1.0.0)
        packages:
          a@1.0.0:
            resolution: {integrity: sha512-x}
          t@2.0.0:
            resolution: {integrity: sha512-y}
          shared@3.0.0:
            resolution: {integrity: sha512-z}
        snapshots:
          a@1.0.0:
            dependencies:
              shared: 3.0.0
          t@2.0.0(a@1.0.0):
            dependencies:
              shared: 3.0.0
        """;

        var packages = await AnalyzerTester.For(new PnpmLockAnalyzer()).WithFile("app/pnpm-lock.yaml", lockFile).PackagesAsync();

        var byName = packages.ToDictionary(p => p.Name);
        Assert.False(byName["a"].Dev);
        Assert.True(byName["t"].Dev);
        Assert.False(byName["shared"].Dev);
        Assert.Equal("indirect", byName["shared"].Relationship);
        Assert.Equal(["shared@3.0.0"], byName["t"].DependsOn!);
    }
}

public sealed class PythonAnalyzerTests
{
    [Fact]
    public async Task Requirements_keep_only_pinned_versions_across_continuations_extras_and_hashes()
    {
        const string requirements = """
            # comment
            Flask[async] == 2.0.0 ; python_version > "3.6"
            requests>=2.0
            -r other.txt
            Jinja2==3.0.0 \
                --hash=sha256:aaa \
                --hash=sha256:bbb
            zope.interface===5.4.0  # exact
            wild==1.*
            """;

        var packages = await AnalyzerTester.For(new RequirementsAnalyzer()).WithFile("app/requirements.txt", requirements).PackagesAsync();

        Assert.Equal(["Flask@2.0.0", "Jinja2@3.0.0", "zope.interface@5.4.0"], packages.Select(p => $"{p.Name}@{p.Version}"));
        Assert.Equal("pkg:pypi/zope-interface@5.4.0", packages[2].Purl);
    }

    [Fact]
    public async Task Requirements_in_utf16_are_decoded()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("attrs==20.3.0\r\n")).ToArray();

        var packages = await AnalyzerTester.For(new RequirementsAnalyzer()).WithFile("app/requirements.txt", bytes).PackagesAsync();

        Assert.Equal("attrs@20.3.0", $"{packages[0].Name}@{packages[0].Version}");
    }

    [Fact]
    public async Task Dist_info_metadata_gives_name_version_licence_and_a_normalised_purl()
    {
        const string metadata = "Metadata-Version: 2.1\nName: Typing_Extensions\nVersion: 4.4.0\nLicense-Expression: PSF-2.0\n\nLong description: Name: Not-This\n";

        var packages = await AnalyzerTester.For(new PythonMetadataAnalyzer())
            .WithFile("usr/lib/python3/site-packages/typing_extensions-4.4.0.dist-info/METADATA", metadata)
            .WithFile("usr/lib/python3/site-packages/typing_extensions-4.4.0.dist-info/RECORD", "x")
            .PackagesAsync();

        var p = Assert.Single(packages);
        Assert.Equal(("Typing_Extensions", "4.4.0"), (p.Name, p.Version));
        Assert.Equal("pkg:pypi/typing-extensions@4.4.0", p.Purl);
        Assert.Equal(["PSF-2.0"], p.Licenses!);
    }

    [Theory]
    [InlineData("Django", "django")]
    [InlineData("zope.interface", "zope-interface")]
    [InlineData("Foo__Bar-.baz", "foo-bar-baz")]
    public void Pep503_normalisation(string name, string expected) => Assert.Equal(expected, PythonNames.Normalize(name));
}

public sealed class GoAnalyzerTests
{
    [Fact]
    public async Task Go_mod_applies_replace_directives_and_marks_indirect_requires()
    {
        const string goMod = """
            module example.com/app

            go 1.22

            require (
                github.com/a/lib v1.0.0
                github.com/b/old v0.1.0 // indirect
                github.com/c/local v1.2.0
                github.com/d/pinned v2.0.0
            )

            replace github.com/b/old => github.com/b/new v0.2.0
            replace github.com/c/local => ../local
            replace github.com/d/pinned v1.0.0 => github.com/d/fork v1.0.1
            """;

        var packages = await AnalyzerTester.For(new GoModAnalyzer()).WithFile("src/go.mod", goMod).PackagesAsync();

        Assert.Equal(
            ["example.com/app@ root", "github.com/a/lib@v1.0.0 direct", "github.com/b/new@v0.2.0 indirect", "github.com/d/pinned@v2.0.0 direct"],
            packages.Select(p => $"{p.Name}@{p.Version} {p.Relationship}"));
        Assert.Equal("pkg:golang/github.com/a/lib@v1.0.0", packages[1].Purl);
    }

    [Fact]
    public async Task Go_sum_reports_each_module_once_at_its_newest_version()
    {
        const string goSum = """
            github.com/pkg/errors v0.8.0/go.mod h1:aaa=
            github.com/pkg/errors v0.10.1 h1:bbb=
            github.com/pkg/errors v0.10.1/go.mod h1:ccc=
            github.com/pkg/errors v0.9.1/go.mod h1:ddd=
            """;

        var packages = await AnalyzerTester.For(new GoSumAnalyzer()).WithFile("src/go.sum", goSum).PackagesAsync();

        Assert.Equal("github.com/pkg/errors@v0.10.1", $"{Assert.Single(packages).Name}@{packages[0].Version}");
    }
}

public sealed class DotNetAnalyzerTests
{
    [Fact]
    public async Task A_shared_framework_deps_json_reports_the_installed_runtime()
    {
        var packages = await AnalyzerTester.For(new DepsJsonAnalyzer())
            .WithFile("usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.11/Microsoft.NETCore.App.deps.json", """{"runtimeTarget": {"name": ".NETCoreApp,Version=v8.0"}, "targets": {}, "libraries": {}}""")
            .PackagesAsync();

        var runtime = Assert.Single(packages);
        Assert.Equal(("Microsoft.NETCore.App", "8.0.11", PackageTypes.NuGet), (runtime.Name, runtime.Version, runtime.Type));
        Assert.Equal("dotnet-runtime", runtime.Metadata!["kind"]);
    }

    [Fact]
    public async Task App_deps_json_skips_reference_only_packages_and_keeps_projects()
    {
        const string deps = """
        {
          "runtimeTarget": { "name": ".NETCoreApp,Version=v8.0" },
          "targets": { ".NETCoreApp,Version=v8.0": {
            "Shop/1.0.0": { "dependencies": { "Serilog": "3.1.1", "Meta": "1.0.0" }, "runtime": { "Shop.dll": {} } },
            "Serilog/3.1.1": { "runtime": { "lib/net8.0/Serilog.dll": {} } },
            "Meta/1.0.0": { "dependencies": { "Serilog": "3.1.1" } }
          } },
          "libraries": {
            "Shop/1.0.0": { "type": "project" },
            "Serilog/3.1.1": { "type": "package" },
            "Meta/1.0.0": { "type": "package" }
          }
        }
        """;

        var packages = await AnalyzerTester.For(new DepsJsonAnalyzer()).WithFile("app/Shop.deps.json", deps).PackagesAsync();

        Assert.Equal(["Shop@1.0.0 root", "Serilog@3.1.1 direct"], packages.Select(p => $"{p.Name}@{p.Version} {p.Relationship}"));
    }
}
