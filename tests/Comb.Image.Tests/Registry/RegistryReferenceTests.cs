using Comb.Contracts;
using Comb.Image.Registry;

namespace Comb.Image.Tests.Registry;

public sealed class RegistryReferenceTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("alpine", "docker.io", "library/alpine", "latest", null)]
    [InlineData("alpine:3.20", "docker.io", "library/alpine", "3.20", null)]
    [InlineData("user/repo", "docker.io", "user/repo", "latest", null)]
    [InlineData("user/repo:v1.2.3-rc_1", "docker.io", "user/repo", "v1.2.3-rc_1", null)]
    [InlineData("docker.io/alpine", "docker.io", "library/alpine", "latest", null)]
    [InlineData("index.docker.io/library/alpine:edge", "docker.io", "library/alpine", "edge", null)]
    [InlineData("ghcr.io/org/team/app:1", "ghcr.io", "org/team/app", "1", null)]
    [InlineData("localhost/app", "localhost", "app", "latest", null)]
    [InlineData("localhost:5000/app:dev", "localhost:5000", "app", "dev", null)]
    [InlineData("127.0.0.1:5000/ns/repo:tag", "127.0.0.1:5000", "ns/repo", "tag", null)]
    [InlineData("registry.example:5000/ns/repo", "registry.example:5000", "ns/repo", "latest", null)]
    [InlineData("[::1]:5000/repo:x", "[::1]:5000", "repo", "x", null)]
    [InlineData("my-registry.local/a.b/c__d/e-f--g", "my-registry.local", "a.b/c__d/e-f--g", "latest", null)]
    [InlineData("docker://alpine:3.19", "docker.io", "library/alpine", "3.19", null)]
    public void Parses_names_tags_and_registries(string text, string registry, string repository, string tag, string? digest)
    {
        var reference = RegistryReference.Parse(text);

        Assert.Equal(registry, reference.Registry);
        Assert.Equal(repository, reference.Repository);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(digest, reference.Digest);
        Assert.Equal(text, reference.Original);
    }

    [Fact]
    public void Docker_hub_is_reached_at_its_api_host()
    {
        Assert.Equal("registry-1.docker.io", RegistryReference.Parse("alpine:3.20").ApiHost);
        Assert.Equal("127.0.0.1:5000", RegistryReference.Parse("127.0.0.1:5000/a").ApiHost);
    }

    [Fact]
    public void Digest_reference_has_no_tag_and_is_pulled_by_digest()
    {
        var reference = RegistryReference.Parse("host:5000/ns/repo@" + Digest);

        Assert.Null(reference.Tag);
        Assert.Equal(Digest, reference.Digest);
        Assert.Equal(Digest, reference.ManifestReference);
        Assert.Equal("host:5000/ns/repo@" + Digest, reference.ToString());
    }

    [Fact]
    public void Tag_and_digest_together_pull_by_digest_and_keep_the_tag()
    {
        var reference = RegistryReference.Parse("alpine:3.20@" + Digest);

        Assert.Equal("3.20", reference.Tag);
        Assert.Equal(Digest, reference.ManifestReference);
        Assert.Equal("docker.io/library/alpine:3.20@" + Digest, reference.ToString());
    }

    [Fact]
    public void Sha512_digests_are_accepted()
    {
        var digest = "sha512:" + new string('a', 128);
        Assert.Equal(digest, RegistryReference.Parse("repo@" + digest).Digest);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("Alpine", "lowercase")]
    [InlineData("user/MyRepo:tag", "lowercase")]
    [InlineData("host:5000/Repo", "lowercase")]
    [InlineData("alpine:", "tag after ':' is empty")]
    [InlineData("alpine:-bad", "tag '-bad' is not valid")]
    [InlineData("alpine:" + "t12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678", "not valid")]
    [InlineData("alpine@sha256:abc", "64 lowercase hex")]
    [InlineData("alpine@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", "64 lowercase hex")]
    [InlineData("alpine@md5:0123456789abcdef0123456789abcdef", "not supported")]
    [InlineData("alpine@nodigest", "must look like")]
    [InlineData("a//b", "empty path component")]
    [InlineData("host:5000/", "repository name is empty")]
    [InlineData("a/b/", "empty path component")]
    [InlineData("re..po", "not valid")]
    [InlineData("repo_", "not valid")]
    [InlineData("-repo", "not valid")]
    [InlineData("ho$t.com/repo", "registry host")]
    [InlineData("alpine latest", "whitespace")]
    [InlineData(":tag", "repository name is empty")]
    public void Rejects_references_that_do_not_parse_with_a_clear_message(string text, string expected)
    {
        var error = Assert.Throws<CombInputException>(() => RegistryReference.Parse(text));

        Assert.Contains("Invalid image reference", error.Message, StringComparison.Ordinal);
        Assert.Equal(CombErrorKind.BadReference, error.Kind);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.False(RegistryReference.TryParse(text, out _));
    }

    [Fact]
    public void Rejects_names_longer_than_255_characters()
    {
        var name = string.Join('/', Enumerable.Repeat(new string('a', 50), 6));

        var error = Assert.Throws<CombInputException>(() => RegistryReference.Parse(name));
        Assert.Contains("longer than 255", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("alpine", true)]
    [InlineData("127.0.0.1:5000/x:y", true)]
    [InlineData("oci:/tmp/layout", false)]
    [InlineData("oci-archive:image.tar", false)]
    [InlineData("docker-archive:image.tar", false)]
    [InlineData("rootfs:/srv/root", false)]
    [InlineData("/tmp/some/dir", false)]
    [InlineData("./relative", false)]
    [InlineData("Bad Name", false)]
    public void Claims_only_registry_references(string reference, bool expected)
    {
        Assert.Equal(expected, new RegistryImageSource().CanOpen(reference));
    }
}
