using ActorAI.Silo.Hosting;
using Microsoft.Extensions.Options;

try
{
    await using WebApplication app = SiloHost.Build(args);
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is SiloConfigurationException or OptionsValidationException)
{
    await Console.Error.WriteLineAsync($"actorai-silo: configuration error: {ex.Message}");
    return 2;
}
