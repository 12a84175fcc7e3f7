using Comb.Contracts;

namespace Comb.Analyzers;

/// <summary>Every language-ecosystem analyzer (lock files, manifests, installed metadata, archives), grouped by ecosystem.</summary>
public static class LanguageAnalyzers
{
    public static IReadOnlyList<IFileAnalyzer> All() =>
    [
        // JavaScript
        new Language.Npm.PnpmLockAnalyzer(),
        new Language.Npm.BunLockAnalyzer(),
        new Language.Npm.PackageJsonAnalyzer(),

        // Python
        new Language.Python.PythonMetadataAnalyzer(),
        new Language.Python.RequirementsAnalyzer(),
        new Language.Python.PipfileLockAnalyzer(),
        new Language.Python.PoetryLockAnalyzer(),
        new Language.Python.UvLockAnalyzer(),
        new Language.Python.PylockAnalyzer(),

        // Go, Rust, Ruby, PHP
        new Language.Go.GoModAnalyzer(),
        new Language.Go.GoSumAnalyzer(),
        new Language.Ruby.GemfileLockAnalyzer(),
        new Language.Ruby.GemspecAnalyzer(),
        new Language.Php.ComposerLockAnalyzer(),
        new Language.Php.ComposerInstalledAnalyzer(),

        // Java
        new Language.Java.JavaArchiveAnalyzer(),
        new Language.Java.GradleLockfileAnalyzer(),
        new Language.Java.SbtLockAnalyzer(),

        // .NET
        new Language.DotNet.DepsJsonAnalyzer(),
        new Language.DotNet.PackagesLockAnalyzer(),
        new Language.DotNet.PackagesConfigAnalyzer(),
        new Language.DotNet.PackagesPropsAnalyzer(),

        // C/C++, conda, Swift, CocoaPods, Dart, Julia, Elixir, Erlang
        new Language.Other.ConanLockAnalyzer(),
        new Language.Other.ConanfileTxtAnalyzer(),
        new Language.Other.CondaMetaAnalyzer(),
        new Language.Other.SwiftResolvedAnalyzer(),
        new Language.Other.PodfileLockAnalyzer(),
        new Language.Other.PubspecLockAnalyzer(),
        new Language.Other.JuliaManifestAnalyzer(),
        new Language.Other.MixLockAnalyzer(),
        new Language.Other.RebarLockAnalyzer(),
    ];

    /// <summary>Analyzers that read several files of a layer together (a project with its parents, a lock file with its manifest).</summary>
    public static IReadOnlyList<IPostAnalyzer> Post() =>
    [
        new Language.Npm.PackageLockAnalyzer(),
        new Language.Npm.YarnLockAnalyzer(),
        new Language.Java.Maven.PomAnalyzer(),
        new Language.Rust.CargoLockAnalyzer(),
    ];
}
