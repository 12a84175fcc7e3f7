using Comb.Image.Registry;

namespace Comb.Image.Tests.Registry;

public sealed class AuthChallengeTests
{
    [Fact]
    public void Parses_a_bearer_challenge_with_quoted_parameters()
    {
        var challenge = Assert.Single(AuthChallenge.Parse(
            "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/alpine:pull\""));

        Assert.True(challenge.IsBearer);
        Assert.Equal("https://auth.docker.io/token", challenge.Realm);
        Assert.Equal("registry.docker.io", challenge.Service);
        Assert.Equal("repository:library/alpine:pull", challenge.Scope);
    }

    [Fact]
    public void Parses_several_challenges_bare_tokens_and_escapes()
    {
        var challenges = AuthChallenge.Parse("bearer realm=\"https://x/t\", error=insufficient_scope, Basic realm=\"say \\\"hi\\\"\"");

        Assert.Equal(2, challenges.Count);
        Assert.True(challenges[0].IsBearer);
        Assert.Equal("insufficient_scope", challenges[0].Parameters["error"]);
        Assert.True(challenges[1].IsBasic);
        Assert.Equal("say \"hi\"", challenges[1].Realm);
    }

    [Fact]
    public void Scope_with_a_host_and_port_is_kept_whole()
    {
        var challenge = Assert.Single(AuthChallenge.Parse("Bearer realm=\"r\",scope=\"repository:host:5000/a/b:pull,push\""));
        Assert.Equal("repository:host:5000/a/b:pull,push", challenge.Scope);
    }
}
