package nl.fhirwerk.packagetools;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.parser.IParser;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.utilities.npm.NpmPackage;

/**
 * The HL7 Java libraries on fhir-werk's artifacts; JSON in, JSON out (files, so log lines never mix in).
 *
 * <pre>
 * snapshot IN.json OUT.json   IN: a JSON array of StructureDefinitions (differential only);
 *                             OUT: the same with the snapshot HAPI's generator made
 * resolve PACKAGE.tgz OUT.json  NpmPackage's index of the package and what loadByCanonical and
 *                               loadByCanonicalVersion return for every url of it
 * </pre>
 */
public final class PackageTools {
	private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

	private PackageTools() {}

	public static void main(String[] args) throws Exception {
		if (args.length != 3) {
			System.err.println("usage: PackageTools snapshot|resolve IN OUT");
			System.exit(2);
		}
		String out;
		switch (args[0]) {
			case "snapshot" -> out = snapshot(Path.of(args[1]));
			case "resolve" -> out = resolve(Path.of(args[1]));
			default -> {
				System.err.println("unknown command " + args[0]);
				System.exit(2);
				return;
			}
		}
		Files.writeString(Path.of(args[2]), out, StandardCharsets.UTF_8);
	}

	private static String snapshot(Path in) throws IOException {
		FhirContext ctx = FhirContext.forR4Cached();
		ValidationSupportChain chain = new ValidationSupportChain(
				new DefaultProfileValidationSupport(ctx),
				new InMemoryTerminologyServerValidationSupport(ctx),
				new SnapshotGeneratingValidationSupport(ctx));
		IParser parser = ctx.newJsonParser();
		JsonArray result = new JsonArray();
		for (var element : JsonParser.parseString(Files.readString(in, StandardCharsets.UTF_8)).getAsJsonArray()) {
			StructureDefinition sd = parser.parseResource(StructureDefinition.class, element.toString());
			IBaseResource done = chain.generateSnapshot(
					new ValidationSupportContext(chain), sd, sd.getUrl(), null, sd.getName());
			if (done == null || !((StructureDefinition) done).hasSnapshot()) {
				throw new IllegalStateException("no snapshot for " + sd.getUrl());
			}
			result.add(JsonParser.parseString(parser.encodeResourceToString(done)));
		}
		return GSON.toJson(result);
	}

	private static String resolve(Path tgz) throws IOException {
		NpmPackage npm;
		try (InputStream stream = new FileInputStream(tgz.toFile())) {
			npm = NpmPackage.fromPackage(stream);
		}
		JsonObject result = new JsonObject();
		result.addProperty("name", npm.name());
		result.addProperty("version", npm.version());
		result.addProperty("canonical", npm.canonical());
		JsonArray dependencies = new JsonArray();
		npm.dependencies().forEach(dependencies::add);
		result.add("dependencies", dependencies);
		JsonArray indexed = new JsonArray();
		Map<String, List<String>> byUrl = new LinkedHashMap<>();
		for (NpmPackage.PackageResourceInformation info : npm.listIndexedResources()) {
			JsonObject entry = new JsonObject();
			entry.addProperty("resourceType", info.getResourceType());
			entry.addProperty("id", info.getId());
			entry.addProperty("url", info.getUrl());
			entry.addProperty("version", info.getVersion());
			entry.addProperty("filename", info.getFilename());
			indexed.add(entry);
			if (info.getUrl() != null) {
				byUrl.computeIfAbsent(info.getUrl(), k -> new ArrayList<>()).add(info.getVersion());
			}
		}
		result.add("indexed", indexed);
		JsonArray lookups = new JsonArray();
		for (var e : byUrl.entrySet()) {
			lookups.add(lookup(npm, e.getKey(), null));
			for (String version : e.getValue()) {
				if (version != null) {
					lookups.add(lookup(npm, e.getKey(), version));
				}
			}
		}
		result.add("lookups", lookups);
		return GSON.toJson(result);
	}

	private static JsonObject lookup(NpmPackage npm, String url, String version) throws IOException {
		JsonObject entry = new JsonObject();
		entry.addProperty("url", url);
		entry.addProperty("version", version);
		try (InputStream found = version == null ? npm.loadByCanonical(url) : npm.loadByCanonicalVersion(url, version)) {
			if (found != null) {
				JsonObject resource = JsonParser.parseString(new String(found.readAllBytes(), StandardCharsets.UTF_8))
						.getAsJsonObject();
				entry.addProperty("resourceType", resource.get("resourceType").getAsString());
				entry.addProperty("id", resource.get("id").getAsString());
				entry.addProperty(
						"foundVersion", resource.has("version") ? resource.get("version").getAsString() : null);
			}
		}
		return entry;
	}
}
