"""技术合同认定登记: technology contracts filed by the seller side and certified by the bureau."""
