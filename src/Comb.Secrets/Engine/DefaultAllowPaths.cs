namespace Comb.Secrets.Engine;

/// <summary>
/// Paths whose text is not scanned for secrets by default: files a distribution or a language package
/// manager installed (documentation, headers, libraries, third-party package trees) and the test data
/// toolchains ship. Their "secrets" are upstream samples and code that names keys, not the image
/// owner's credentials, and on a real image they are most of the false alarms. Application code and
/// configuration (app/, srv/, etc/, home/, root/, opt/ except bundled runtimes) are never on this list.
/// Sensitive-file rules (id_rsa, .pgpass...) skip them too: a key file there is a package's test fixture.
/// <c>default-allow-paths: false</c> in a secret config scans these paths too.
/// </summary>
public static class DefaultAllowPaths
{
    public static IReadOnlyList<string> All { get; } =
    [
        // What distribution packages install: documentation, headers and libraries.
        @"^usr/(?:share|include|lib|lib32|lib64|libexec)/",
        @"(?:^|/)share/(?:doc|man|info|locale|licenses|gtk-doc)/",
        // Language runtimes that official images unpack outside the package manager.
        @"^usr/local/go/",
        @"(?:^|/)lib/python[0-9]+\.[0-9]+/",
        // Runtimes that version managers install in a home directory.
        @"(?:^|/)\.(?:rustup/toolchains|pyenv/versions|rbenv/versions|nvm/versions|sdkman/candidates|goenv/versions)/",
        @"^opt/yarn-v[0-9.]+/",
        @"^usr/src/wordpress/",
        // Third-party package trees installed by a package manager, wherever the application puts them.
        @"(?:^|/)(?:node_modules|site-packages|dist-packages|bower_components|jspm_packages)/",
        @"(?:^|/)(?:gems/[^/]+/gems|vendor/bundle|go/pkg/mod|\.cargo/registry|\.m2/repository|\.gradle/caches|\.nuget/packages)/",
        @"(?:^|/)[^/]+\.(?:dist|egg)-info/",
        // Example and template files: by name they hold sample values.
        @"(?i)(?:^|/)[^/]*\.(?:example|sample|template|dist)(?:\.[^/]*)?$",
        @"(?i)(?:^|/)(?:example|sample)s?[-_.][^/]*$",
    ];
}
