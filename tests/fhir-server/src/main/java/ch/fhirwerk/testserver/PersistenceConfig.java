package ch.fhirwerk.testserver;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import jakarta.persistence.EntityManagerFactory;
import org.apache.commons.dbcp2.BasicDataSource;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

import java.time.Duration;
import java.util.Properties;
import javax.sql.DataSource;

/**
 * Database and HAPI storage settings. Every setting that differs from HAPI's default is
 * listed in {@link #storageSettings()} with the reason; the server should behave like a
 * real EPD would towards fhir-werk, not like a permissive sandbox.
 */
@Configuration
public class PersistenceConfig {

	@Bean
	public JpaStorageSettings storageSettings() {
		JpaStorageSettings settings = new JpaStorageSettings();
		// EPDs assign ids like "pat-4711"; HAPI's default (ALPHANUMERIC) rejects purely numeric
		// client ids, ANY accepts every valid FHIR id ...
		settings.setResourceClientIdStrategy(JpaStorageSettings.ClientIdStrategyEnum.ANY);
		// ... and then server-assigned ids must be UUIDs, or a numeric server id could collide
		// with one a client chose earlier.
		settings.setResourceServerIdStrategy(JpaStorageSettings.IdStrategyEnum.UUID);
		// References to other systems (e.g. a terminology or a document URL) are normal.
		settings.setAllowExternalReferences(true);
		// Tests create and immediately search; HAPI would otherwise serve the same search from a
		// 60 s cache and miss what was just written.
		settings.setReuseCachedSearchResultsForMillis(null);
		// Interop cleanup: $expunge, DELETE ...?_expunge=true, and conditional DELETE matching several.
		settings.setExpungeEnabled(true);
		settings.setDeleteExpungeEnabled(true);
		settings.setAllowMultipleDelete(true);
		// Store our (small) CodeSystems' concepts synchronously instead of in a background job a
		// few seconds later, so a code can be validated right after its CodeSystem was PUT.
		settings.setDeferIndexingForCodesystemsOfSize(10_000);
		// Kept at HAPI's default on purpose: referential integrity on write and on delete.
		return settings;
	}

	/**
	 * HAPI's default (JpaConfig's bean {@code validationSupportChainCacheConfiguration}) keeps every
	 * validation look-up (CodeSystem, ValueSet, code) for 10 minutes, "not found" included. A code
	 * would then be accepted or refused depending on what the server held up to 10 minutes earlier:
	 * a test's outcome would depend on the tests before it and on the clock. Here a look-up lives
	 * 1 ms, less than any request takes, so every validation sees the server as it is now.
	 * Not {@code CacheConfiguration.disabled()}: in HAPI 8.8 that also empties
	 * fetchAllStructureDefinitions (hapi-fhir issue 6895) and every resource type becomes unknown.
	 * A post-processor, not a bean of the same name: component scanning registers this class before
	 * HAPI's configs, so HAPI's definition would replace ours.
	 */
	@Bean
	public static BeanPostProcessor validationLookUpsAreNotKept() {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessBeforeInitialization(Object theBean, String theName) {
				if (theBean instanceof ValidationSupportChain.CacheConfiguration cache) {
					cache.setCacheTimeout(Duration.ofMillis(1));
					LoggerFactory.getLogger(PersistenceConfig.class)
							.info("Validation look-ups are kept {} ms ({})", cache.getCacheTimeout(), theName);
				}
				return theBean;
			}
		};
	}

	/** Required by the JPA layer; no partitioning. */
	@Bean
	public PartitionSettings partitionSettings() {
		return new PartitionSettings();
	}

	/** Required by the JPA layer; no subscription channel types are enabled. */
	@Bean
	public SubscriptionSettings subscriptionSettings() {
		return new SubscriptionSettings();
	}

	@Bean(destroyMethod = "close")
	public BasicDataSource dataSource() {
		BasicDataSource dataSource = new BasicDataSource();
		dataSource.setDriverClassName("org.h2.Driver");
		// In-memory and private to this JVM: every start is a clean server.
		// DB_CLOSE_DELAY=-1 keeps the database while the pool has no open connection.
		dataSource.setUrl("jdbc:h2:mem:fhirwerk;DB_CLOSE_DELAY=-1");
		dataSource.setUsername("sa");
		dataSource.setPassword("");
		// HAPI runs searches and batch jobs on their own threads, each holding a connection.
		dataSource.setMaxTotal(20);
		return dataSource;
	}

	@Primary
	@Bean
	public LocalContainerEntityManagerFactoryBean entityManagerFactory(
			DataSource theDataSource,
			ConfigurableListableBeanFactory theBeanFactory,
			FhirContext theFhirContext,
			JpaStorageSettings theStorageSettings) {
		LocalContainerEntityManagerFactoryBean factory =
				HapiEntityManagerFactoryUtil.newEntityManagerFactory(theBeanFactory, theFhirContext, theStorageSettings);
		factory.setPersistenceUnitName("HAPI_PU");
		factory.setDataSource(theDataSource);

		Properties jpa = new Properties();
		// HAPI's dialect, not Hibernate's H2Dialect: it carries HAPI's sequence/type tweaks.
		jpa.put("hibernate.dialect", HapiFhirH2Dialect.class.getName());
		// Fresh in-memory database each start: let Hibernate create the schema.
		jpa.put("hibernate.hbm2ddl.auto", "update");
		// No Lucene/Elasticsearch full-text index: not needed and slow to start.
		jpa.put("hibernate.search.enabled", "false");
		jpa.put("hibernate.jdbc.batch_size", "20");
		jpa.put("hibernate.cache.use_query_cache", "false");
		jpa.put("hibernate.cache.use_second_level_cache", "false");
		jpa.put("hibernate.cache.use_structured_entries", "false");
		jpa.put("hibernate.cache.use_minimal_puts", "false");
		jpa.put("hibernate.format_sql", "false");
		jpa.put("hibernate.show_sql", "false");
		factory.setJpaProperties(jpa);
		return factory;
	}

	@Primary
	@Bean
	public JpaTransactionManager transactionManager(EntityManagerFactory theEntityManagerFactory) {
		return new JpaTransactionManager(theEntityManagerFactory);
	}
}
