package ch.fhirwerk.testserver;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorBroadcaster;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.delete.ThreadSafeResourceDeleterSvc;
import ca.uhn.fhir.jpa.interceptor.CascadingDeleteInterceptor;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.parser.LenientErrorHandler;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.ETagSupportEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.RequestValidatingInterceptor;
import ca.uhn.fhir.rest.server.interceptor.validation.ValidationMessageUnknownCodeSystemPostProcessingInterceptor;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.IInstanceValidatorModule;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.ValidationResult;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The REST endpoint: JPA resource providers, system provider (transaction/batch, _history),
 * capability statement, paging, and validation of every incoming resource.
 */
@Configuration
public class FhirServerConfig {

	@Bean
	public RestfulServer restfulServer(
			IFhirSystemDao<?, ?> theSystemDao,
			ResourceProviderFactory theResourceProviders,
			JpaSystemProvider<?, ?> theSystemProvider,
			ValueSetOperationProvider theValueSetOperationProvider,
			JpaStorageSettings theStorageSettings,
			ISearchParamRegistry theSearchParamRegistry,
			IValidationSupport theValidationSupport,
			DatabaseBackedPagingProvider thePagingProvider,
			DaoRegistry theDaoRegistry,
			IInterceptorBroadcaster theInterceptorBroadcaster,
			ThreadSafeResourceDeleterSvc theDeleterSvc,
			@Qualifier("myInstanceValidator") IInstanceValidatorModule theInstanceValidator) {
		// HAPI's default parser rejects an invalid coded value (e.g. gender "nonsense") while parsing,
		// so $validate would answer "failed to parse" (400) instead of validating. Every other request
		// body is validated from its raw text before it is parsed (below), so lenient parsing lets no
		// invalid resource in; it only lets $validate report the real issues.
		theSystemDao.getContext().setParserErrorHandler(new LenientErrorHandler(false).setErrorOnInvalidValue(false));

		RestfulServer server = new RestfulServer(theSystemDao.getContext());
		server.registerProviders(theResourceProviders.createProviders());
		server.registerProvider(theSystemProvider);
		server.registerProvider(theValueSetOperationProvider);
		server.setServerConformanceProvider(new JpaCapabilityStatementProvider(
				server, theSystemDao, theStorageSettings, theSearchParamRegistry, theValidationSupport));
		server.setPagingProvider(thePagingProvider);
		// Already HAPI's default; stated because the tests rely on ETag/If-Match (versioned updates).
		server.setETagSupport(ETagSupportEnum.ENABLED);

		// DELETE ...?_cascade=delete for test cleanup; plain DELETE keeps referential integrity.
		server.registerInterceptor(new CascadingDeleteInterceptor(
				theSystemDao.getContext(), theDaoRegistry, theInterceptorBroadcaster, theDeleterSvc));

		configureValidator(theInstanceValidator);

		// Codes from code systems the server does not know are a warning, never a rejection: we run
		// offline, without terminology server or IG packages. Registered on the server so that it
		// applies both to request validation and to $validate.
		server.registerInterceptor(
				new ValidationMessageUnknownCodeSystemPostProcessingInterceptor(IValidationSupport.IssueSeverity.WARNING));

		// Reject any create/update/transaction/batch whose resource has an ERROR (HTTP 422 + OperationOutcome).
		// The validator is HAPI's own JPA instance validator (the one $validate uses), whose support chain is
		// JpaValidationSupportChain: DefaultProfileValidationSupport (R4 core from hapi-fhir-validation-resources-r4),
		// the JPA-persisted resources (our CodeSystems, ValueSets, Questionnaires, StructureDefinitions),
		// SnapshotGeneratingValidationSupport, InMemoryTerminologyServerValidationSupport and
		// CommonCodeSystemsTerminologyService.
		FhirValidator validator = theSystemDao.getContext().newValidator();
		validator.registerValidatorModule(theInstanceValidator);
		validator.setInterceptorBroadcaster(server.getInterceptorService());
		RequestValidatingInterceptor requestValidation = new SkipValidateOperation();
		requestValidation.setValidator(validator);
		requestValidation.setFailOnSeverity(ResultSeverityEnum.ERROR);
		// Don't echo every warning/information into response headers.
		requestValidation.setAddResponseHeaderOnSeverity(null);
		server.registerInterceptor(requestValidation);
		return server;
	}

	private static void configureValidator(IInstanceValidatorModule theInstanceValidator) {
		FhirInstanceValidator validator = (FhirInstanceValidator) theInstanceValidator;
		// Already the default; SDC and other extensions we have no definition for must not be errors.
		validator.setAnyExtensionsAllowed(true);
		// Our Questionnaires declare SDC profiles (meta.profile) whose definitions are not loaded
		// (no IG packages offline): report that as a warning, not an error. $validate with an
		// explicit ?profile= still errors for an unknown profile (HAPI enforces that itself).
		validator.setErrorForUnknownProfiles(false);
	}

	/**
	 * Validates every request body except that of $validate, which must answer with its own
	 * OperationOutcome rather than be rejected before it runs.
	 */
	static class SkipValidateOperation extends RequestValidatingInterceptor {
		private static final Logger ourLog = LoggerFactory.getLogger(SkipValidateOperation.class);

		/**
		 * One line per rejected request: HAPI's own stack trace for it is switched off in
		 * application.properties, and the full OperationOutcome goes to the client.
		 */
		@Override
		protected void postProcessResultOnFailure(RequestDetails theRequestDetails, ValidationResult theResult) {
			long errors = theResult.getMessages().stream()
					.filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
					.count();
			ourLog.info(
					"Rejected {} {}: {} validation error(s)",
					theRequestDetails.getRequestType(),
					theRequestDetails.getRequestPath(),
					errors);
		}

		@Override
		@Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
		public boolean incomingRequestPostProcessed(
				RequestDetails theRequestDetails, HttpServletRequest theRequest, HttpServletResponse theResponse) {
			if ("$validate".equals(theRequestDetails.getOperation())) {
				return true;
			}
			return super.incomingRequestPostProcessed(theRequestDetails, theRequest, theResponse);
		}
	}
}
