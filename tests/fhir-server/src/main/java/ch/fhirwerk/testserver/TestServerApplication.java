package ch.fhirwerk.testserver;

public class TestServerApplication {
	public static void main(String[] args) {}
}
