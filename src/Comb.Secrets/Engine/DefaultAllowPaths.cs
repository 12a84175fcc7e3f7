namespace Comb.Secrets.Engine;

/// <summary>
/// Paths whose text is not scanned by default: documentation, and the test data that language
/// packages and toolchains ship (their sample keys are public). Application code is never on this list.
/// </summary>
public static class DefaultAllowPaths
{
    public static IReadOnlyList<string> All { get; } =
    [
        @"^(?:usr/(?:local/)?)?share/(?:doc|man|info|locale|licenses|common-licenses|zoneinfo|i18n|mime|icons|fonts|X11|terminfo|help|gtk-doc)/",
        @"(?:^|/)(?:site-packages|dist-packages|node_modules|gems/[^/]+/gems|vendor/bundle|go/pkg/mod|\.cargo/registry|\.m2/repository)/(?:.+/)?(?:tests?|testdata|testing|spec|specs|fixtures?|examples?|__tests__|test-data|samples?)/",
        @"(?:^|/)lib/python[0-9.]*/test/",
        @"(?:^|/)(?:usr/(?:local/)?)?(?:lib/)?go[0-9.]*/(?:src|test)/(?:.+/)?testdata/",
        @"(?:^|/)usr/local/go/(?:src|test)/",
        @"(?i)(?:^|/)[^/]*\.(?:example|sample|template|dist)(?:\.[^/]*)?$",
        @"(?i)(?:^|/)(?:example|sample)s?[-_.][^/]*$",
        @"(?:^|/)[^/]+\.dist-info/(?:RECORD|METADATA|LICENSE[^/]*)$",
    ];
}
