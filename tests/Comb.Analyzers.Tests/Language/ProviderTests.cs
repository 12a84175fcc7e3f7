using System.Text.RegularExpressions;
using Comb.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Analyzers.Tests.Language;

public sealed partial class ProviderTests
{
    [Fact]
    public void AddCombAnalyzers_registers_a_provider_with_every_language_analyzer()
    {
        using var services = new ServiceCollection().AddCombAnalyzers().BuildServiceProvider();

        var provider = services.GetRequiredService<IAnalyzerProvider>();
        var analyzers = provider.CreateFileAnalyzers(new ScanOptions()).ToList();

        Assert.Equal(LanguageAnalyzers.All().Select(a => a.Id), analyzers.Select(a => a.Id).Take(LanguageAnalyzers.All().Count));
        Assert.Equal(InventoryAnalyzerProvider.AllPost().Select(a => a.Id), provider.CreatePostAnalyzers(new ScanOptions()).Select(a => a.Id));
    }

    [Fact]
    public void Analyzer_ids_are_unique_kebab_case_with_positive_versions()
    {
        var analyzers = InventoryAnalyzerProvider.All().Select(a => (a.Id, a.Version, a.CacheKey))
            .Concat(InventoryAnalyzerProvider.AllPost().Select(a => (a.Id, a.Version, a.CacheKey))).ToList();

        Assert.Equal(analyzers.Count, analyzers.Select(a => a.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.All(analyzers, a =>
        {
            Assert.Matches(KebabCase(), a.Id);
            Assert.True(a.Version > 0);
            Assert.Equal($"{a.Id}@{a.Version}", a.CacheKey);
        });
    }

    [Theory]
    [InlineData("usr/bin/bash")]
    [InlineData("etc/passwd")]
    [InlineData("usr/share/doc/readme.txt")]
    [InlineData("usr/lib/x86_64-linux-gnu/libc.so.6")]
    public void Ordinary_system_files_are_not_opened(string path)
    {
        var meta = new FileMeta { Path = path, Kind = FileKind.Regular, Size = 10 };

        Assert.DoesNotContain(InventoryAnalyzerProvider.All(), a => a.IsRequired(meta));
        Assert.DoesNotContain(InventoryAnalyzerProvider.AllPost(), a => a.IsRequired(meta));
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();
}
