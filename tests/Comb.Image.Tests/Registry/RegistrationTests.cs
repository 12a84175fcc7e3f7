using Comb.Contracts;
using Comb.Image.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Image.Tests.Registry;

public sealed class RegistrationTests
{
    [Fact]
    public void Registers_the_registry_image_source()
    {
        using var provider = new ServiceCollection().AddCombImageRegistry().BuildServiceProvider();

        var source = Assert.Single(provider.GetServices<IImageSource>());

        Assert.Equal("registry", source.Kind);
        Assert.True(source.CanOpen("alpine:3.20"));
    }
}
