using Comb.Contracts;
using Comb.Engine.Apply;

namespace Comb.Engine.Tests;

/// <summary>What is installed beats what a lock file declares; go.sum beside a modern go.mod adds nothing.</summary>
public sealed class InstalledOverDeclaredTests
{
    [Fact]
    public void An_installed_npm_package_is_one_component_with_the_lock_files_as_further_locations()
    {
        var sets = new[]
        {
            Set("app/node_modules/.package-lock.json", "npm", Pkg(PackageTypes.Npm, "qs", "6.7.0"), Pkg(PackageTypes.Npm, "gone", "1.0.0")),
            Set("app/package-lock.json", "npm", Pkg(PackageTypes.Npm, "app", "1.0.0", "root"), Pkg(PackageTypes.Npm, "qs", "6.7.0", "direct"), Pkg(PackageTypes.Npm, "gone", "1.0.0")),
            Set("app/node_modules/qs/package.json", "node-pkg", Pkg(PackageTypes.Npm, "qs", "6.7.0")),
            Set("app/package.json", "node-pkg", Pkg(PackageTypes.Npm, "app", "1.0.0", "root")),
        };

        var result = InstalledOverDeclared.Resolve(sets);

        var qs = Assert.Single(result.SelectMany(s => s.Packages), p => p.Name == "qs");
        Assert.Equal("app/node_modules/qs/package.json", qs.Path);
        Assert.Equal(["app/node_modules/.package-lock.json", "app/package-lock.json"], qs.OtherPaths);
        Assert.Equal("direct", qs.Relationship);
        Assert.DoesNotContain(result.SelectMany(s => s.Packages), p => p.Name == "gone");
        Assert.Contains(result.SelectMany(s => s.Packages), p => p.Name == "app" && p.Path == "app/package-lock.json");
        Assert.DoesNotContain(result, s => s.FilePath == "app/node_modules/.package-lock.json");
    }

    [Fact]
    public void One_release_installed_twice_in_a_project_is_one_component()
    {
        var sets = new[]
        {
            Set("app/node_modules/debug/package.json", "node-pkg", Pkg(PackageTypes.Npm, "debug", "2.6.9")),
            Set("app/node_modules/express/node_modules/debug/package.json", "node-pkg", Pkg(PackageTypes.Npm, "debug", "2.6.9")),
            Set("app/node_modules/send/node_modules/debug/package.json", "node-pkg", Pkg(PackageTypes.Npm, "debug", "4.3.4")),
            Set("other/node_modules/debug/package.json", "node-pkg", Pkg(PackageTypes.Npm, "debug", "2.6.9")),
        };

        var result = InstalledOverDeclared.Resolve(sets);

        Assert.Equal(["app/node_modules/debug/package.json", "app/node_modules/send/node_modules/debug/package.json", "other/node_modules/debug/package.json"],
            result.Select(s => s.FilePath));
        Assert.Equal(["app/node_modules/express/node_modules/debug/package.json"], result[0].Packages[0].OtherPaths);
    }

    [Fact]
    public void A_lock_file_with_nothing_installed_beside_it_stands()
    {
        var sets = new[]
        {
            Set("src/package-lock.json", "npm", Pkg(PackageTypes.Npm, "qs", "6.7.0")),
            Set("other/node_modules/qs/package.json", "node-pkg", Pkg(PackageTypes.Npm, "qs", "6.5.0")),
            Set("src/composer.lock", "composer", Pkg(PackageTypes.Composer, "monolog/monolog", "3.0.0")),
        };

        var result = InstalledOverDeclared.Resolve(sets);

        Assert.Equal(3, result.Count);
        Assert.All(result.SelectMany(s => s.Packages), p => Assert.Null(p.OtherPaths));
    }

    [Fact]
    public void Python_requirements_yield_to_site_packages_under_normalised_names()
    {
        var sets = new[]
        {
            Set("app/requirements.txt", "pip", Pkg(PackageTypes.PyPI, "Flask_Cors", "4.0.0"), Pkg(PackageTypes.PyPI, "never-installed", "1.0")),
            Set("usr/local/lib/python3.12/site-packages/flask_cors-4.0.0.dist-info/METADATA", "python-pkg", Pkg(PackageTypes.PyPI, "flask-cors", "4.0.0")),
        };

        var result = InstalledOverDeclared.Resolve(sets);

        var package = Assert.Single(result.SelectMany(s => s.Packages));
        Assert.Equal("flask-cors", package.Name);
        Assert.Equal(["app/requirements.txt"], package.OtherPaths);
    }

    [Fact]
    public void Composer_lock_yields_to_the_vendor_tree_of_its_own_project()
    {
        var sets = new[]
        {
            Set("var/www/composer.lock", "composer", Pkg(PackageTypes.Composer, "monolog/monolog", "3.0.0"), Pkg(PackageTypes.Composer, "dev/only", "1.0.0")),
            Set("var/www/vendor/composer/installed.json", "composer-vendor", Pkg(PackageTypes.Composer, "monolog/monolog", "3.0.0")),
        };

        var result = InstalledOverDeclared.Resolve(sets);

        var package = Assert.Single(result.SelectMany(s => s.Packages));
        Assert.Equal(["var/www/composer.lock"], package.OtherPaths);
    }

    [Fact]
    public void Go_sum_adds_nothing_beside_a_go_mod_of_go_1_17_or_later_and_fills_in_before()
    {
        PackageSet GoMod(string dir, string go) => Set(dir + "/go.mod", "gomod",
            Pkg(PackageTypes.Golang, "example.com/" + dir, "", "root") with { Metadata = new Dictionary<string, string> { ["go"] = go } },
            Pkg(PackageTypes.Golang, "github.com/a/b", "v1.0.0"));
        PackageSet GoSum(string dir) => Set(dir + "/go.sum", "gosum", Pkg(PackageTypes.Golang, "github.com/a/b", "v1.0.0"), Pkg(PackageTypes.Golang, "github.com/only/sum", "v0.1.0"));

        var result = GoSumBesideGoMod.Resolve([GoMod("new", "1.22"), GoSum("new"), GoMod("old", "1.16"), GoSum("old"), GoSum("alone")]);

        Assert.DoesNotContain(result, s => s.FilePath == "new/go.sum");
        Assert.Equal(["github.com/only/sum"], Assert.Single(result, s => s.FilePath == "old/go.sum").Packages.Select(p => p.Name));
        Assert.Equal(2, Assert.Single(result, s => s.FilePath == "alone/go.sum").Packages.Count);
    }

    private static PackageSet Set(string path, string kind, params Package[] packages) =>
        new() { FilePath = path, Kind = kind, Packages = [.. packages.Select(p => p with { Path = path })] };

    private static Package Pkg(string type, string name, string version, string? relationship = null) =>
        new() { Name = name, Version = version, Type = type, Relationship = relationship };
}
