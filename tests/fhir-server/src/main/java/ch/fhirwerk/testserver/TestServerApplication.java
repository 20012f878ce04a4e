package ch.fhirwerk.testserver;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.rest.server.RestfulServer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * HAPI FHIR JPA R4 server on an in-memory H2 database, used only as the counterpart of
 * fhir-werk's integration tests (started by scripts/fhir-test-server).
 *
 * <p>Spring Boot is used for the embedded servlet container and the executable jar only;
 * everything persistence-related is wired by HAPI's own configs plus {@link PersistenceConfig},
 * so the Boot auto-configurations that would build a second, competing setup (JPA, Flyway,
 * Quartz, Elasticsearch, Thymeleaf) are switched off.
 */
@SpringBootApplication(
		excludeName = {
			"org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
			"org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration",
			"org.springframework.boot.autoconfigure.data.jpa.JpaRepositoriesAutoConfiguration",
			"org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration",
			"org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration",
			"org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchClientAutoConfiguration",
			"org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration",
			"org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration",
			"org.springframework.boot.autoconfigure.batch.BatchAutoConfiguration",
			"org.springframework.boot.autoconfigure.mail.MailSenderAutoConfiguration",
		})
@Import({
	JpaR4Config.class,
	HapiJpaConfig.class,
	// Thread pools for parallel batch/transaction processing; not part of HapiJpaConfig.
	ThreadPoolFactoryConfig.class,
	// Batch2 is HAPI's job framework; the JPA layer depends on its coordinator ($expunge, reindex, ...).
	JpaBatch2Config.class,
	Batch2JobsConfig.class,
	// Only the in-JVM message broker that batch2 uses to hand out work chunks; despite the name,
	// no subscription matching or delivery is configured.
	SubscriptionChannelConfig.class,
	PersistenceConfig.class,
	FhirServerConfig.class
})
public class TestServerApplication {

	public static void main(String[] args) {
		SpringApplication.run(TestServerApplication.class, args);
	}

	@Bean
	public ServletRegistrationBean<RestfulServer> fhirServlet(RestfulServer theRestfulServer) {
		ServletRegistrationBean<RestfulServer> registration =
				new ServletRegistrationBean<>(theRestfulServer, "/fhir/*");
		// Initialise the FHIR servlet during startup, so that "GET /fhir/metadata answers" really
		// means "ready" for scripts/fhir-test-server instead of paying init on the first test request.
		registration.setLoadOnStartup(1);
		return registration;
	}
}
