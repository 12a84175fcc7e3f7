using Comb.Contracts;
using Comb.Image.Oci;
using Comb.Image.Registry;

namespace Comb.Image.Tests.Registry;

public sealed class PlatformSelectorTests
{
    private static Descriptor Entry(string digestChar, string os, string arch, string? variant = null, bool attestation = false) => new()
    {
        Digest = "sha256:" + new string(digestChar[0], 64),
        MediaType = MediaTypes.OciManifest,
        Platform = new PlatformSpec { Os = os, Architecture = arch, Variant = variant },
        Annotations = attestation ? new Dictionary<string, string> { ["vnd.docker.reference.type"] = "attestation-manifest" } : null,
    };

    private static readonly Descriptor[] Index =
    [
        Entry("u", "unknown", "unknown", attestation: true),
        Entry("a", "linux", "amd64"),
        Entry("6", "linux", "arm", "v6"),
        Entry("7", "linux", "arm", "v7"),
        Entry("8", "linux", "arm64", "v8"),
        Entry("w", "windows", "amd64"),
    ];

    [Theory]
    [InlineData("linux/amd64", 'a')]
    [InlineData("linux/x86_64", 'a')]
    [InlineData("linux/arm64", '8')]
    [InlineData("linux/aarch64", '8')]
    [InlineData("linux/arm64/v8", '8')]
    [InlineData("linux/arm/v6", '6')]
    [InlineData("linux/arm/v7", '7')]
    [InlineData("windows/amd64", 'w')]
    public void Chooses_the_matching_entry(string platform, char expected)
    {
        var chosen = PlatformSelector.Select(Index, PlatformSelector.Parse(platform));

        Assert.NotNull(chosen);
        Assert.Equal("sha256:" + new string(expected, 64), chosen.Digest);
    }

    [Fact]
    public void Arm64_without_variant_in_the_index_matches_a_v8_request()
    {
        var chosen = PlatformSelector.Select([Entry("8", "linux", "arm64")], new ImagePlatform("linux", "arm64", "v8"));
        Assert.NotNull(chosen);
    }

    [Fact]
    public void Returns_null_when_no_entry_fits_and_describes_what_is_there()
    {
        Assert.Null(PlatformSelector.Select(Index, new ImagePlatform("linux", "s390x")));
        Assert.Null(PlatformSelector.Select(Index, new ImagePlatform("linux", "arm", "v5")));
        Assert.Equal("linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64/v8, windows/amd64", PlatformSelector.Describe(Index));
    }

    [Theory]
    [InlineData("linux")]
    [InlineData("linux/")]
    [InlineData("a/b/c/d")]
    public void Rejects_malformed_platforms(string text)
    {
        var error = Assert.Throws<CombInputException>(() => PlatformSelector.Parse(text));
        Assert.Contains("os/arch", error.Message, StringComparison.Ordinal);
    }
}
